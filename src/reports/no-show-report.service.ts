import { Injectable } from '@nestjs/common';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { InvalidInputError } from '../common/errors/domain-errors';
import { CsvCell, toCsv } from '../common/text/csv';
import type { NoShowReportView } from './dto/no-show-report.dto';
import {
  COUNT_METRICS,
  Counts,
  GroupBy,
  METRIC_COLUMNS,
  Metrics,
  WEEKDAYS,
  withRate,
} from './no-show-metrics';
import { CountsRow, NoShowReportRepository } from './no-show-report.repository';
import { parseReportRange } from './report-range';

export interface CsvReport {
  fileName: string;
  body: string;
}

const ZERO = Object.fromEntries(COUNT_METRICS.map((m) => [m, 0])) as Counts;

@Injectable()
export class NoShowReportService {
  constructor(private readonly repository: NoShowReportRepository) {}

  async report(
    clinic: ClinicEntity,
    query: { from: string; to: string; groupBy?: GroupBy },
  ): Promise<NoShowReportView> {
    const range = parseReportRange(query.from, query.to);
    if (!range.ok) throw new InvalidInputError(range.errors);
    const groupBy = query.groupBy ?? 'none';
    const rows = await this.repository.counts(clinic.id, range.from, range.to, groupBy);
    const totals = rows.find((r) => r.isTotal)?.counts ?? ZERO;
    const groups = rows
      .filter((r) => !r.isTotal)
      .map((r) => ({ key: keyOf(groupBy, r), ...withRate(r.counts) }))
      .sort(byKey(groupBy));
    return {
      from: range.from,
      to: range.to,
      timezone: clinic.timezone,
      groupBy,
      totals: withRate(totals),
      groups,
    };
  }

  /** One row per group, then the totals: `scope` tells them apart (a group may be "Total"). */
  async csv(
    clinic: ClinicEntity,
    query: { from: string; to: string; groupBy?: GroupBy },
  ): Promise<CsvReport> {
    const view = await this.report(clinic, query);
    const line = (scope: string, key: string | null, m: Metrics): CsvCell[] => [
      scope,
      key,
      ...METRIC_COLUMNS.map((c) => m[c]),
    ];
    const body = toCsv(
      ['scope', 'key', ...METRIC_COLUMNS],
      [...view.groups.map((g) => line(view.groupBy, g.key, g)), line('total', null, view.totals)],
    );
    return { fileName: `no-shows_${view.from}_${view.to}_${view.groupBy}.csv`, body };
  }
}

function keyOf(groupBy: GroupBy, row: CountsRow): string | null {
  if (groupBy === 'weekday' && row.key !== null) return WEEKDAYS[Number(row.key) - 1];
  return row.key;
}

/** Weekdays Monday first; everything else by key (dates sort as text), null last. */
function byKey(groupBy: GroupBy) {
  const rank = (key: string | null): string | number =>
    groupBy === 'weekday' ? WEEKDAYS.indexOf(key as (typeof WEEKDAYS)[number]) : (key ?? '');
  return (a: { key: string | null }, b: { key: string | null }): number => {
    if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? 1 : -1;
    const [x, y] = [rank(a.key), rank(b.key)];
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
