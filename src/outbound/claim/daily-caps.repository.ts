import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { namedQuery } from '../../database/named-query';
import type { CapAsk } from './daily-cap';

/**
 * The admission of routine texts under the clinic's daily cap, as CTEs over a relation `asks`
 * (`key`, `patient_id`, `day`, `cap`, `ord`; `cap` null: not counted) that the statement using
 * them defines. They yield `admitted` (the keys that may go).
 *
 * One counter row per patient and local day (`patient_daily_texts.asked`) is incremented by how
 * many texts this statement asks for that day, and the statement reads back the value it left:
 * the insert-or-update locks the row, so concurrent statements (other instances' claims) take
 * their turns on it, and each sees the count the one before it left. What was there before this
 * statement is `asked - wanted`; the room is the cap minus that. Counted as asked, not as sent:
 * a text refused here still counts, so the numbers only grow and the cap is never exceeded
 * between instances, at the price of a text admitted and then not sent (its appointment
 * cancelled meanwhile) using up a place. Rows are locked in key order, so two claims never
 * deadlock on each other.
 */
export const ADMIT_CTES = `
  wanted AS (
    SELECT patient_id, day, count(*)::int AS n, min(cap) AS cap
    FROM asks WHERE cap IS NOT NULL GROUP BY patient_id, day
  ), counted AS (
    INSERT INTO patient_daily_texts AS d (patient_id, day, asked)
    SELECT patient_id, day, n FROM wanted ORDER BY patient_id, day
    ON CONFLICT (patient_id, day) DO UPDATE SET asked = d.asked + excluded.asked
    RETURNING d.patient_id, d.day, d.asked
  ), room AS (
    SELECT w.patient_id, w.day, greatest(0, w.cap - (c.asked - w.n)) AS room
    FROM wanted w JOIN counted c ON c.patient_id = w.patient_id AND c.day = w.day
  ), admitted AS (
    SELECT a.key FROM (
      SELECT asks.*, row_number() OVER (PARTITION BY patient_id, day ORDER BY ord) AS place
      FROM asks
    ) a LEFT JOIN room r ON r.patient_id = a.patient_id AND r.day = a.day
    WHERE a.cap IS NULL OR a.place <= r.room
  )`;

/** An ask as the statements' JSON carries it. */
export interface AskRow {
  patient_id: string;
  day: string;
  cap: number;
  ord: number;
}

export function askRow(ask: CapAsk, ord: number): AskRow {
  return { patient_id: ask.patientId, day: ask.day, cap: ask.cap, ord };
}

const ADMIT_SQL = `
  WITH asks AS (
    SELECT * FROM json_to_recordset($1::json)
      AS v(key text, patient_id uuid, day date, cap int, ord int)
  ), ${ADMIT_CTES}
  SELECT key FROM admitted`;

/** Producers' routine texts (surveys, offers) admitted under the cap: one statement. */
@Injectable()
export class DailyCapsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The keys of `asks` that may go, in one round trip; the others are over the cap. */
  async admit(asks: { key: string; ask: CapAsk }[]): Promise<Set<string>> {
    if (asks.length === 0) return new Set();
    const rows = (await namedQuery(this.ds, 'outbound_admit_capped', ADMIT_SQL, [
      JSON.stringify(asks.map(({ key, ask }, ord) => ({ key, ...askRow(ask, ord) }))),
    ])) as { key: string }[];
    return new Set(rows.map((r) => r.key));
  }

  /** Deletes up to `limit` counter rows of days before `day`; how many went. */
  async purgeBefore(day: string, limit: number): Promise<number> {
    const rows = await this.ds.query<unknown[]>(
      `WITH old AS (
         SELECT patient_id, day FROM patient_daily_texts WHERE day < $1::date LIMIT $2
       )
       DELETE FROM patient_daily_texts d USING old
       WHERE d.patient_id = old.patient_id AND d.day = old.day
       RETURNING 1`,
      [day, limit],
    );
    return rows.length;
  }
}
