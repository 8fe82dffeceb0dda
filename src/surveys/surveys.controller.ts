import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { AuditRead } from '../auth/audit-read.decorator';
import { LeastRole } from '../auth/roles';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { csvDownload } from '../common/text/csv';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import {
  SurveyAnswersView,
  SurveyListQuery,
  SurveyReportQuery,
  SurveyReportView,
} from './dto/surveys.dto';
import { SurveyReportService } from './survey-report.service';

const DEFINITIONS = `Visit surveys whose visit's start, read in the clinic's time zone, falls on a local date
in [from, to) (at most 400 days). sent: questions the provider accepted; answered: scored 1-5;
responseRate = answered / sent; average: mean score; distribution: answers per score; comments:
answers followed by a comment. format=csv answers text/csv (RFC 4180, one row per group then a
total row, formula-like text cells prefixed with an apostrophe) as an attachment.`;

@ApiTags('surveys')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1')
@ApiExtraModels(SurveyReportView)
export class SurveysController {
  constructor(private readonly reports: SurveyReportService) {}

  @LeastRole('staff')
  @Get('reports/surveys')
  @ApiOperation({
    operationId: 'getSurveyReport',
    summary: 'Visit survey results over a range of local dates',
    description: DEFINITIONS,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    description: 'the report (JSON), or with format=csv the same figures as a CSV file',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(SurveyReportView) } },
      'text/csv': {
        schema: {
          type: 'string',
          example:
            'scope,key,sent,answered,responseRate,average,score1,score2,score3,score4,score5,' +
            'comments\r\ntotal,,10,6,0.6,4.17,0,1,0,2,3,2\r\n',
        },
      },
    },
  })
  @ApiErrors(400, 401)
  async report(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() query: SurveyReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SurveyReportView | string> {
    if (query.format !== 'csv') return this.reports.report(clinic, query);
    const csv = await this.reports.csv(clinic, query);
    return csvDownload(res, csv.fileName, csv.body);
  }

  @LeastRole('staff')
  @AuditRead()
  @Get('surveys')
  @ApiOperation({
    operationId: 'listSurveyAnswers',
    summary: 'Survey answers with their comments, newest first',
  })
  @ApiOkResponse({ type: SurveyAnswersView })
  @ApiErrors(400, 401)
  answers(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() query: SurveyListQuery,
  ): Promise<SurveyAnswersView> {
    return this.reports.answers(clinic, query);
  }
}
