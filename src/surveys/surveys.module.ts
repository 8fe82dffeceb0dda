import { Module } from '@nestjs/common';
import { SurveyReplies } from '../conversations/survey-replies.port';
import { SurveyAnswers } from './survey-replies.service';
import { SurveyReportService } from './survey-report.service';
import { SurveySender } from './survey-sender.service';
import { SurveysController } from './surveys.controller';
import { SurveysRepository } from './surveys.repository';

/** Visit surveys: asked after attended visits, answered through the reply workflow's port. */
@Module({
  controllers: [SurveysController],
  providers: [
    SurveysRepository,
    SurveySender,
    SurveyReportService,
    { provide: SurveyReplies, useClass: SurveyAnswers },
  ],
  exports: [SurveyReplies, SurveySender],
})
export class SurveysModule {}
