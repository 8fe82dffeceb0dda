import { Injectable } from '@nestjs/common';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { InvalidInputError } from '../common/errors/domain-errors';
import { BackfillReportRepository, FreedSlotRow } from './backfill-report.repository';
import { toCsv } from '../common/text/csv';
import type {
  BackfillGroupBy,
  BackfillMetricsView,
  BackfillReportView,
} from './dto/backfill-report.dto';
import type { CsvReport } from './no-show-report.service';
import { parseReportRange } from './report-range';

const COLUMNS: (keyof BackfillMetricsView)[] = [
  'freedSlots',
  'offered',
  'filled',
  'fillRate',
  'medianMinutesToFill',
  'offerTexts',
  'rebookedAfterNoShow',
];

/** How much freed time the waitlist filled, by practitioner or in all (same rules as no-shows). */
@Injectable()
export class BackfillReportService {
  constructor(private readonly repository: BackfillReportRepository) {}

  async report(
    clinic: ClinicEntity,
    query: { from: string; to: string; groupBy?: BackfillGroupBy },
  ): Promise<BackfillReportView> {
    const range = parseReportRange(query.from, query.to);
    if (!range.ok) throw new InvalidInputError(range.errors);
    const groupBy = query.groupBy ?? 'none';
    const [slots, rebooked] = await Promise.all([
      this.repository.freedSlots(clinic.id, clinic.timezone, range.from, range.to),
      this.repository.rebooked(clinic.id, clinic.timezone, range.from, range.to),
    ]);
    const keys =
      groupBy === 'practitioner'
        ? [...new Set([...slots, ...rebooked].map((r) => r.practitioner))].sort(byKey)
        : [];
    return {
      from: range.from,
      to: range.to,
      timezone: clinic.timezone,
      groupBy,
      totals: metrics(slots, rebooked.length),
      groups: keys.map((key) => ({
        key,
        ...metrics(
          slots.filter((s) => s.practitioner === key),
          rebooked.filter((r) => r.practitioner === key).length,
        ),
      })),
    };
  }

  async csv(
    clinic: ClinicEntity,
    query: { from: string; to: string; groupBy?: BackfillGroupBy },
  ): Promise<CsvReport> {
    const view = await this.report(clinic, query);
    const line = (scope: string, key: string | null, m: BackfillMetricsView) => [
      scope,
      key,
      ...COLUMNS.map((c) => m[c]),
    ];
    const body = toCsv(
      ['scope', 'key', ...COLUMNS],
      [...view.groups.map((g) => line(view.groupBy, g.key, g)), line('total', null, view.totals)],
    );
    return { fileName: `backfill_${view.from}_${view.to}_${view.groupBy}.csv`, body };
  }
}

function metrics(slots: FreedSlotRow[], rebookedAfterNoShow: number): BackfillMetricsView {
  const fills = slots
    .map((s) => s.minutes_to_fill)
    .filter((m): m is number => m !== null)
    .sort((a, b) => a - b);
  return {
    freedSlots: slots.length,
    offered: slots.filter((s) => s.offer_texts > 0).length,
    filled: fills.length,
    fillRate: slots.length === 0 ? null : round(fills.length / slots.length),
    medianMinutesToFill: fills.length === 0 ? null : round(median(fills)),
    offerTexts: slots.reduce((n, s) => n + s.offer_texts, 0),
    rebookedAfterNoShow,
  };
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function byKey(a: string | null, b: string | null): number {
  return (a ?? '\uffff').localeCompare(b ?? '\uffff');
}
