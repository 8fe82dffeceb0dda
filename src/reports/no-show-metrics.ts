/**
 * The no-show report's metrics, defined once: their API names in the order the JSON and CSV show
 * them. What each counts is written in docs/reports.md and in the OpenAPI text;
 * the database computes them (migration NoShowReport, `no_show_daily`).
 */
export const COUNT_METRICS = [
  'appointments',
  'attended',
  'noShows',
  'cancelled',
  'confirmed',
  'noShowsConfirmed',
  'noShowsUnconfirmed',
  'noShowsUnreached',
  'rescheduledByText',
  'cancelledByText',
] as const;
export type CountMetric = (typeof COUNT_METRICS)[number];

export type Counts = Record<CountMetric, number>;

export interface Metrics extends Counts {
  /** noShows / (attended + noShows), rounded to 4 places; null when that is 0 / 0 */
  noShowRate: number | null;
}

/** The column order of the CSV: the contract's order, the rate after the first four. */
export const METRIC_COLUMNS: (keyof Metrics)[] = [
  'appointments',
  'attended',
  'noShows',
  'cancelled',
  'noShowRate',
  'confirmed',
  'noShowsConfirmed',
  'noShowsUnconfirmed',
  'noShowsUnreached',
  'rescheduledByText',
  'cancelledByText',
];

export function withRate(counts: Counts): Metrics {
  const seen = counts.attended + counts.noShows;
  return {
    ...counts,
    noShowRate: seen === 0 ? null : Math.round((counts.noShows / seen) * 10_000) / 10_000,
  };
}

export const GROUP_KEYS = [
  'practitioner',
  'location',
  'type',
  'weekday',
  'none',
  'day',
  'week',
  'month',
] as const;
export type GroupBy = (typeof GROUP_KEYS)[number];

/** ISO order, Monday first; the keys of groupBy=weekday. */
export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
