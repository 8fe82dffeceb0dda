import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { GROUP_KEYS, GroupBy } from '../no-show-metrics';

export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export class NoShowReportQuery {
  @ApiProperty({ example: '2026-11-01', description: 'first local date, inclusive (YYYY-MM-DD)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  from: string;

  @ApiProperty({
    example: '2026-12-01',
    description: 'local date after the last one (exclusive); at most 400 days after from',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  to: string;

  @ApiPropertyOptional({
    enum: GROUP_KEYS,
    default: 'none',
    description:
      'practitioner, location, type, weekday (monday..sunday) or none, as in the contract; ' +
      'also day (YYYY-MM-DD), week (its Monday) and month (YYYY-MM) for charts over time',
  })
  @IsOptional()
  @IsIn(GROUP_KEYS)
  groupBy?: GroupBy;

  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: ReportFormat;
}

export class NoShowMetricsView {
  @ApiProperty({ description: 'appointments whose local start date is in [from, to)' })
  appointments: number;
  @ApiProperty({ description: 'status arrived or completed' }) attended: number;
  @ApiProperty({ description: 'status no_show (marked by staff or automatically)' })
  noShows: number;
  @ApiProperty({ description: 'status cancelled, whoever cancelled' }) cancelled: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'noShows / (attended + noShows), rounded to 4 places; null when that is 0',
  })
  noShowRate: number | null;
  @ApiProperty({
    description:
      'the patient confirmed by text at some point (REPLY_CONFIRM, or booking an offered slot), ' +
      'whatever happened afterwards',
  })
  confirmed: number;
  @ApiProperty({ description: 'no-shows that had confirmed by text' }) noShowsConfirmed: number;
  @ApiProperty({
    description:
      'no-shows that had not confirmed although a reminder reached them (a reminder is sent or ' +
      'delivered): reminded, no confirming reply',
  })
  noShowsUnconfirmed: number;
  @ApiProperty({
    description:
      'no-shows that had not confirmed and no reminder of which was sent or delivered ' +
      '(none due yet, skipped, failed or undelivered). The three no-show parts add up to noShows',
  })
  noShowsUnreached: number;
  @ApiProperty({ description: 'moved to an offered slot by the patient’s text (REPLY_SLOT)' })
  rescheduledByText: number;
  @ApiProperty({ description: 'cancelled by the patient’s text (REPLY_CANCEL)' })
  cancelledByText: number;
}

export class NoShowGroupView extends NoShowMetricsView {
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'the group: a practitioner, location or type as uploaded (null when not given), a weekday ' +
      '(monday..sunday), a date, a week’s Monday or a month',
  })
  key: string | null;
}

export class NoShowReportView {
  @ApiProperty({ example: '2026-11-01' }) from: string;
  @ApiProperty({ example: '2026-12-01' }) to: string;
  @ApiProperty({ example: 'America/Chicago', description: 'the zone the local dates are in' })
  timezone: string;
  @ApiProperty({ enum: GROUP_KEYS }) groupBy: GroupBy;
  @ApiProperty({ type: NoShowMetricsView }) totals: NoShowMetricsView;
  @ApiProperty({
    type: [NoShowGroupView],
    description:
      'groups with at least one appointment, by key (weekdays Monday first, dates in order, ' +
      'null last); empty for groupBy=none',
  })
  groups: NoShowGroupView[];
}
