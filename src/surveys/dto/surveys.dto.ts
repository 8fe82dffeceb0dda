import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export const SURVEY_GROUPS = ['practitioner', 'location', 'type', 'week', 'none'] as const;
export type SurveyGroupBy = (typeof SURVEY_GROUPS)[number];
export const SURVEY_FORMATS = ['json', 'csv'] as const;

export class SurveyRangeQuery {
  @ApiProperty({ example: '2026-11-01', description: 'first local date of the visit, inclusive' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  from: string;

  @ApiProperty({ example: '2026-12-01', description: 'local date after the last one (exclusive)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  to: string;
}

export class SurveyReportQuery extends SurveyRangeQuery {
  @ApiPropertyOptional({
    enum: SURVEY_GROUPS,
    default: 'none',
    description: 'practitioner, location, type or none; also week (its Monday) for a chart',
  })
  @IsOptional()
  @IsIn(SURVEY_GROUPS)
  groupBy?: SurveyGroupBy;

  @ApiPropertyOptional({ enum: SURVEY_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(SURVEY_FORMATS)
  format?: 'json' | 'csv';
}

export class SurveyListQuery extends SurveyRangeQuery {
  @ApiPropertyOptional({ example: 2, default: 5, description: 'only answers scoring at most this' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5)
  maxScore?: number;
}

export class SurveyDistributionView {
  @ApiProperty({ name: '1' }) 1: number;
  @ApiProperty({ name: '2' }) 2: number;
  @ApiProperty({ name: '3' }) 3: number;
  @ApiProperty({ name: '4' }) 4: number;
  @ApiProperty({ name: '5' }) 5: number;
}

export class SurveyMetricsView {
  @ApiProperty({ description: 'survey questions the provider accepted (sent or delivered)' })
  sent: number;
  @ApiProperty({ description: 'surveys answered with a score' }) answered: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'answered / sent, rounded to 4 places; null when nothing was sent',
  })
  responseRate: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'mean score, rounded to 2 places; null when none was answered',
  })
  average: number | null;
  @ApiProperty({ type: SurveyDistributionView, description: 'answers per score 1-5' })
  distribution: SurveyDistributionView;
  @ApiProperty({ description: 'answers followed by a comment' }) comments: number;
}

export class SurveyGroupView extends SurveyMetricsView {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'a practitioner, location or type as uploaded (null when not given), or a week',
  })
  key: string | null;
}

export class SurveyReportView {
  @ApiProperty({ format: 'date', example: '2026-11-01' }) from: string;
  @ApiProperty({ format: 'date', example: '2026-12-01' }) to: string;
  @ApiProperty({ example: 'America/Chicago' }) timezone: string;
  @ApiProperty({ enum: SURVEY_GROUPS }) groupBy: SurveyGroupBy;
  @ApiProperty({ type: SurveyMetricsView }) totals: SurveyMetricsView;
  @ApiProperty({ type: [SurveyGroupView], description: 'empty for groupBy=none' })
  groups: SurveyGroupView[];
}

export class SurveyAnswerView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) appointmentId: string;
  @ApiProperty({ example: '+13125550123' }) patientPhone: string;
  @ApiProperty({ type: String, nullable: true }) patientName: string | null;
  @ApiProperty({ type: String, nullable: true }) practitioner: string | null;
  @ApiProperty({ type: String, nullable: true }) location: string | null;
  @ApiProperty({ type: String, nullable: true }) type: string | null;
  @ApiProperty({ format: 'date-time', description: 'when the visit started' }) visitAt: string;
  @ApiProperty({ minimum: 1, maximum: 5 }) score: number;
  @ApiProperty({ format: 'date-time' }) answeredAt: string;
  @ApiProperty({ type: String, nullable: true }) comment: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) commentedAt: string | null;
}

export class SurveyAnswersView {
  @ApiProperty({ type: [SurveyAnswerView], description: 'newest first, at most 500' })
  items: SurveyAnswerView[];
}
