import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { COUNT_METRICS, Counts, GroupBy } from './no-show-metrics';

/** One line of counts: the totals (`isTotal`) or one group. */
export interface CountsRow {
  key: string | null;
  isTotal: boolean;
  counts: Counts;
}

/** The rollup's columns, in COUNT_METRICS order. */
const ROLLUP_COLUMNS = [
  'appointments',
  'attended',
  'no_shows',
  'cancelled',
  'confirmed',
  'no_shows_confirmed',
  'no_shows_unconfirmed',
  'no_shows_unreached',
  'rescheduled_by_text',
  'cancelled_by_text',
];

/** The rollup's dimension each grouping reads: the day's totals unless it names one. */
function dimensionOf(groupBy: GroupBy): 'none' | 'practitioner' | 'location' | 'type' {
  return groupBy === 'practitioner' || groupBy === 'location' || groupBy === 'type'
    ? groupBy
    : 'none';
}

/** How each grouping reads its key from a rollup row (`key` of its dimension, local `day`). */
const ROLLUP_KEYS: Record<Exclude<GroupBy, 'none'>, string> = {
  practitioner: 'key',
  location: 'key',
  type: 'key',
  weekday: `extract(isodow FROM day)::int::text`,
  day: `to_char(day, 'YYYY-MM-DD')`,
  week: `to_char(date_trunc('week', day), 'YYYY-MM-DD')`,
  month: `to_char(day, 'YYYY-MM')`,
};

/**
 * The no-show report's reads. `counts` reads the daily rollup that the database keeps in step
 * with every change (migrations NoShowReport, NoShowRollupDeltas): `no_show_daily` plus the
 * changes not yet folded into it (`no_show_pending`), read in one snapshot, so the answer is
 * exact whenever the fold last ran. `countsFromSource` counts the same things straight from
 * appointments, their history and reminders, far slower, to check the rollup against.
 */
@Injectable()
export class NoShowReportRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Totals and, unless `none`, one row per group, for local dates in [from, to). */
  async counts(clinicId: string, from: string, to: string, groupBy: GroupBy): Promise<CountsRow[]> {
    const sums = ROLLUP_COLUMNS.map((c) => `sum(${c})::int AS ${c}`).join(', ');
    const inRange = `clinic_id = $1 AND dimension = $4 AND day >= $2::date AND day < $3::date`;
    const columns = `day, key, ${ROLLUP_COLUMNS.join(', ')}`;
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT ${groupedBy(ROLLUP_KEYS, groupBy)}, ${sums}
       FROM (SELECT ${columns} FROM no_show_daily WHERE ${inRange}
             UNION ALL SELECT ${columns} FROM no_show_pending WHERE ${inRange}) r
       ${groupingSets(ROLLUP_KEYS, groupBy)}
       HAVING sum(appointments) > 0`,
      [clinicId, from, to, dimensionOf(groupBy)],
    );
    return rows.map(toCountsRow);
  }

  /** The same answer as `counts`, computed from the source tables alone. */
  async countsFromSource(
    clinicId: string,
    from: string,
    to: string,
    groupBy: GroupBy,
  ): Promise<CountsRow[]> {
    const patientSaid = (events: string) =>
      `EXISTS (SELECT 1 FROM appointment_events e WHERE e.appointment_id = a.id
               AND e.source = 'patient' AND e.event IN (${events}))`;
    const rows: Record<string, unknown>[] = await this.ds.query(
      `WITH f AS (
         SELECT (a.starts_at AT TIME ZONE c.timezone)::date AS day, a.practitioner, a.location,
                a.type, a.status,
                ${patientSaid(`'REPLY_CONFIRM', 'REPLY_SLOT'`)} AS confirmed,
                ${patientSaid(`'REPLY_SLOT'`)} AS rescheduled,
                ${patientSaid(`'REPLY_CANCEL'`)} AS cancelled_by_patient,
                EXISTS (SELECT 1 FROM reminders r WHERE r.appointment_id = a.id
                        AND r.status IN ('sent', 'delivered')) AS reached
         FROM appointments a JOIN clinics c ON c.id = a.clinic_id
         WHERE a.clinic_id = $1
           AND (a.starts_at AT TIME ZONE c.timezone)::date >= $2::date
           AND (a.starts_at AT TIME ZONE c.timezone)::date < $3::date
       )
       SELECT ${groupedBy(SOURCE_KEYS, groupBy)},
              count(*)::int AS appointments,
              count(*) FILTER (WHERE status IN ('arrived', 'completed'))::int AS attended,
              count(*) FILTER (WHERE status = 'no_show')::int AS no_shows,
              count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE confirmed)::int AS confirmed,
              count(*) FILTER (WHERE status = 'no_show' AND confirmed)::int AS no_shows_confirmed,
              count(*) FILTER (WHERE status = 'no_show' AND NOT confirmed AND reached)::int
                AS no_shows_unconfirmed,
              count(*) FILTER (WHERE status = 'no_show' AND NOT confirmed AND NOT reached)::int
                AS no_shows_unreached,
              count(*) FILTER (WHERE rescheduled)::int AS rescheduled_by_text,
              count(*) FILTER (WHERE status = 'cancelled' AND cancelled_by_patient)::int
                AS cancelled_by_text
       FROM f
       ${groupingSets(SOURCE_KEYS, groupBy)}`,
      [clinicId, from, to],
    );
    return rows.map(toCountsRow);
  }
}

/** The same keys read from appointments (`f` in countsFromSource). */
const SOURCE_KEYS: Record<Exclude<GroupBy, 'none'>, string> = {
  ...ROLLUP_KEYS,
  practitioner: 'practitioner',
  location: 'location',
  type: 'type',
};

type KeyExpressions = Record<Exclude<GroupBy, 'none'>, string>;

/** The key and total flag columns: one statement gives the groups and the totals. */
function groupedBy(keys: KeyExpressions, groupBy: GroupBy): string {
  if (groupBy === 'none') return 'NULL::text AS key, true AS is_total';
  const key = keys[groupBy];
  return `${key} AS key, grouping(${key}) = 1 AS is_total`;
}

function groupingSets(keys: KeyExpressions, groupBy: GroupBy): string {
  return groupBy === 'none' ? '' : `GROUP BY GROUPING SETS ((${keys[groupBy]}), ())`;
}

function toCountsRow(row: Record<string, unknown>): CountsRow {
  const counts = {} as Counts;
  COUNT_METRICS.forEach((metric, i) => {
    counts[metric] = Number(row[ROLLUP_COLUMNS[i]] ?? 0);
  });
  return { key: (row.key as string | null) ?? null, isTotal: row.is_total === true, counts };
}
