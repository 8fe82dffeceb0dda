import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { REPORT_FORMATS, type ReportFormat } from './no-show-report.dto';

export const BACKFILL_GROUPS = ['practitioner', 'none'] as const;
export type BackfillGroupBy = (typeof BACKFILL_GROUPS)[number];

export class BackfillReportQuery {
  @ApiProperty({ example: '2026-11-01', description: 'first local date, inclusive (YYYY-MM-DD)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  from: string;

  @ApiProperty({ example: '2026-12-01', description: 'local date after the last one (exclusive)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  to: string;

  @ApiPropertyOptional({ enum: BACKFILL_GROUPS, default: 'none' })
  @IsOptional()
  @IsIn(BACKFILL_GROUPS)
  groupBy?: BackfillGroupBy;

  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: ReportFormat;
}

export class BackfillMetricsView {
  @ApiProperty({ description: 'freed slots whose local start date is in [from, to)' })
  freedSlots: number;
  @ApiProperty({ description: 'freed slots offered to at least one patient' }) offered: number;
  @ApiProperty({ description: 'freed slots a waitlisted patient took' }) filled: number;
  @ApiProperty({ type: Number, nullable: true, description: 'filled / freedSlots' })
  fillRate: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'from freeing to the booking' })
  medianMinutesToFill: number | null;
  @ApiProperty({ description: 'offer texts written for those slots' }) offerTexts: number;
  @ApiProperty({ description: 'appointments re-booked after a missed visit' })
  rebookedAfterNoShow: number;
}

export class BackfillGroupView extends BackfillMetricsView {
  @ApiProperty({ type: String, nullable: true }) key: string | null;
}

export class BackfillReportView {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty() timezone: string;
  @ApiProperty({ enum: BACKFILL_GROUPS }) groupBy: string;
  @ApiProperty({ type: BackfillMetricsView }) totals: BackfillMetricsView;
  @ApiProperty({ type: [BackfillGroupView] }) groups: BackfillGroupView[];
}
