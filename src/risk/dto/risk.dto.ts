import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { RiskView } from '../../appointments/dto/appointment-view.dto';

export class CallListQuery {
  @ApiProperty({ example: '2026-12-08', description: 'the clinic’s local date (YYYY-MM-DD)' })
  @IsString()
  @MaxLength(10)
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be a calendar date YYYY-MM-DD' })
  date: string;
}

export class CallListReminderView {
  @ApiProperty() offset: string;
  @ApiProperty() dueAt: string;
  @ApiProperty({
    enum: ['pending', 'sending', 'sent', 'delivered', 'failed', 'skipped', 'cancelled'],
  })
  status: string;
  @ApiProperty({ type: String, nullable: true }) sentAt: string | null;
}

export class CallListPatientView {
  @ApiProperty() name: string;
  @ApiProperty({ example: '+13125550123' }) phone: string;
  @ApiProperty({ enum: ['en', 'es'] }) language: string;
}

export class CallListItemView {
  @ApiProperty() id: string;
  @ApiProperty() externalId: string;
  @ApiProperty({ enum: ['scheduled', 'reschedule_requested'] }) status: string;
  @ApiProperty() startsAt: string;
  @ApiProperty({ type: CallListPatientView }) patient: CallListPatientView;
  @ApiProperty({ type: String, nullable: true }) practitioner: string | null;
  @ApiProperty({ type: String, nullable: true }) type: string | null;
  @ApiProperty({ type: RiskView, nullable: true, description: 'null: not scored' })
  risk: RiskView | null;
  @ApiProperty({ type: [CallListReminderView] }) reminders: CallListReminderView[];
}

export class CallListView {
  @ApiProperty({ example: '2026-12-08' }) date: string;
  @ApiProperty({ example: 'America/Chicago' }) timezone: string;
  @ApiProperty({
    type: [CallListItemView],
    description: 'live appointments not confirmed that local day, highest risk first',
  })
  items: CallListItemView[];
}

export class CoefficientView {
  @ApiProperty({ example: 'lead.logDays' }) feature: string;
  @ApiProperty({ description: 'change in log-odds per standard deviation' }) coefficient: number;
  @ApiProperty() oddsRatio: number;
  @ApiProperty({
    example: 'booking further ahead raises the risk (odds x1.52 per standard deviation)',
  })
  words: string;
}

export class ReliabilityBinView {
  @ApiProperty() decile: number;
  @ApiProperty() visits: number;
  @ApiProperty() meanPredicted: number;
  @ApiProperty() observedRate: number;
}

export class RiskEvaluationView {
  @ApiProperty({ description: 'the held-out month: finished visits starting at or after this' })
  from: string;
  @ApiProperty() visits: number;
  @ApiProperty({ type: Number, nullable: true, description: 'area under the ROC curve' })
  auc: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'mean squared error (0 best)' })
  brier: number | null;
  @ApiProperty({ type: [ReliabilityBinView] }) reliability: ReliabilityBinView[];
}

export class RiskModelView {
  @ApiProperty({ enum: ['fitted', 'not_enough_history', 'not_fitted_yet'] }) status: string;
  @ApiProperty({ description: 'what the status means, in a sentence' }) message: string;
  @ApiProperty({ description: 'finished visits (attended or no-show) when last counted' })
  finishedVisits: number;
  @ApiProperty({ example: 200 }) minimumVisits: number;
  @ApiProperty({ type: Number, nullable: true }) trainingSize: number | null;
  @ApiProperty({ type: String, nullable: true }) fittedAt: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'over the training visits' })
  noShowRate: number | null;
  @ApiProperty({ type: [CoefficientView], description: 'largest effect first' })
  coefficients: CoefficientView[];
  @ApiProperty({ type: RiskEvaluationView, nullable: true })
  evaluation: RiskEvaluationView | null;
}
