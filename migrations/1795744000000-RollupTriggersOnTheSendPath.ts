import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The no-show rollup's triggers (1795741000000-NoShowReport), taken off the send path while
 * keeping the rollup exact. Every reminder sent went through them:
 *
 * - `reminder_reached_fact` re-read, for every appointment one of whose reminders was sent,
 *   whether one of its reminders had reached the patient, and wrote it on the appointment: one
 *   appointment row written (often not heap-only: seven indexes, one a GiST exclusion index) and
 *   `no_show_daily_follow` run, per first reminder sent. Yet the report reads that fact only for
 *   a no-show (no_shows_unconfirmed, no_shows_unreached). `appointments.reminder_reached` now
 *   means what the report reads: for a no-show, whether one of its reminders reached the
 *   patient. It is set when the appointment becomes a no-show (a row trigger, filtered by its
 *   WHEN clause, so no other update pays for it), and kept current while it is one by
 *   `reminder_reached_fact`, which writes no-shows only. Sending a reminder for a booked
 *   appointment writes nothing outside the pipeline's own rows.
 * - `reminder_reached_fact` found the reminders that entered or left sent/delivered by joining
 *   the statement's old and new transition tables on id. Transition tables carry no statistics,
 *   so the planner estimated one row each and joined them by nested loop: a claim or an outcome
 *   batch of 200 reminders compared 40,000 pairs. It now takes the appointments of the rows
 *   that are sent/delivered before or after the statement, one pass over each with no join: a
 *   superset of those whose fact can have changed, harmless because the fact is re-read from
 *   the reminders themselves and written only where it differs.
 * - `no_show_daily_follow` summed every updated appointment's old contribution out and new one
 *   in, grouped four ways and joined to its clinic, even when nothing the report counts had
 *   changed. It now first drops the rows counted the same before and after (one hash
 *   aggregate; `reminder_reached` read only for a no-show, as the report reads it).
 */

const FACT_COLUMNS = `clinic_id, starts_at, practitioner, location, type, status,
  confirmed_by_text, rescheduled_by_text, cancelled_by_text, reminder_reached`;

/** FACT_COLUMNS as the report reads them: whether a reminder reached it matters for a no-show. */
const COUNTED_COLUMNS = `clinic_id, starts_at, practitioner, location, type, status,
  confirmed_by_text, rescheduled_by_text, cancelled_by_text,
  (status = 'no_show' AND reminder_reached) AS reminder_reached`;

const COUNTERS = [
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

// The report's definitions, as 1795741000000-NoShowReport wrote them (a migration is frozen).
const SUMS = [
  `sum(d.sign)`,
  `sum(d.sign) FILTER (WHERE d.status IN ('arrived', 'completed'))`,
  `sum(d.sign) FILTER (WHERE d.status = 'no_show')`,
  `sum(d.sign) FILTER (WHERE d.status = 'cancelled')`,
  `sum(d.sign) FILTER (WHERE d.confirmed_by_text)`,
  `sum(d.sign) FILTER (WHERE d.status = 'no_show' AND d.confirmed_by_text)`,
  `sum(d.sign) FILTER (WHERE d.status = 'no_show' AND NOT d.confirmed_by_text
                         AND d.reminder_reached)`,
  `sum(d.sign) FILTER (WHERE d.status = 'no_show' AND NOT d.confirmed_by_text
                         AND NOT d.reminder_reached)`,
  `sum(d.sign) FILTER (WHERE d.rescheduled_by_text)`,
  `sum(d.sign) FILTER (WHERE d.status = 'cancelled' AND d.cancelled_by_text)`,
];

function contributions(source: string): string {
  return `
      SELECT d.clinic_id, g.dimension, (d.starts_at AT TIME ZONE c.timezone)::date AS day,
             g.key,
             ${SUMS.map((expr, i) => `coalesce(${expr}, 0) AS ${COUNTERS[i]}`).join(',\n             ')}
      FROM (${source}) d
      JOIN clinics c ON c.id = d.clinic_id
      CROSS JOIN LATERAL (VALUES ('none', NULL::text), ('practitioner', d.practitioner),
                                 ('location', d.location), ('type', d.type)) g(dimension, key)
      GROUP BY 1, 2, 3, 4`;
}

function upsertFrom(source: string): string {
  const nonZero = COUNTERS.map((k) => `s.${k} <> 0`).join(' OR ');
  return `
    INSERT INTO no_show_daily AS r (clinic_id, dimension, day, key, ${COUNTERS.join(', ')})
    SELECT s.clinic_id, s.dimension, s.day, s.key, ${COUNTERS.map((k) => `s.${k}`).join(', ')}
    FROM (${contributions(source)}) s
    WHERE ${nonZero}
    -- One order for every writer: two transactions touching the same days cannot deadlock.
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (clinic_id, dimension, day, key) DO UPDATE SET
      ${COUNTERS.map((k) => `${k} = r.${k} + excluded.${k}`).join(',\n      ')}`;
}

/** The UPDATE branch's source: before, every row out and in; now only the rows that changed. */
const UPDATED_BEFORE = `SELECT ${FACT_COLUMNS}, 1 AS sign FROM new_appointments
                        UNION ALL SELECT ${FACT_COLUMNS}, -1 FROM old_appointments`;
const UPDATED_NOW = `
          SELECT ${FACT_COLUMNS}, sum(sign) AS sign FROM (
            SELECT id, ${COUNTED_COLUMNS}, 1 AS sign FROM new_appointments
            UNION ALL SELECT id, ${COUNTED_COLUMNS}, -1 FROM old_appointments
          ) x
          -- an appointment counted the same before and after cancels out (NULLs group together)
          GROUP BY id, ${FACT_COLUMNS}
          HAVING sum(sign) <> 0`;

function followFunction(updated: string): string {
  return `
      CREATE OR REPLACE FUNCTION no_show_daily_follow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${upsertFrom(`SELECT ${FACT_COLUMNS}, 1 AS sign FROM new_appointments`)};
        ELSIF TG_OP = 'UPDATE' THEN
          ${upsertFrom(updated)};
        ELSE
          -- Only subtracts from rows that exist: when a clinic is deleted its rollup rows may
          -- already be gone, and nothing may be inserted for it any more.
          UPDATE no_show_daily r SET
            ${COUNTERS.map((k) => `${k} = r.${k} - s.${k}`).join(',\n            ')}
          FROM (${contributions(`SELECT ${FACT_COLUMNS}, 1 AS sign FROM old_appointments`)}) s
          WHERE r.clinic_id = s.clinic_id AND r.dimension = s.dimension AND r.day = s.day
            AND r.key IS NOT DISTINCT FROM s.key;
        END IF;
        RETURN NULL;
      END $$`;
}

const REACHED = `('sent', 'delivered')`;
/** As 1795741000000-NoShowReport wrote it: every touched appointment's fact re-read. */
const recomputeAll = (touched: string) => `
        UPDATE appointments a SET reminder_reached = f.reached
        FROM (
          SELECT t.appointment_id, EXISTS (
            SELECT 1 FROM reminders r
            WHERE r.appointment_id = t.appointment_id AND r.status IN ${REACHED}
          ) AS reached
          FROM (${touched}) t
        ) f
        WHERE a.id = f.appointment_id AND a.reminder_reached <> f.reached;`;

/**
 * The no-shows' facts only: the appointment is looked up first, and its reminders read only
 * when it is a no-show (a subplan is the last condition PostgreSQL evaluates).
 */
const recomputeNoShows = (touched: string) => `
        UPDATE appointments a SET reminder_reached = NOT a.reminder_reached
        FROM (${touched}) t
        WHERE a.id = t.appointment_id AND a.status = 'no_show'
          AND a.reminder_reached <> EXISTS (
            SELECT 1 FROM reminders r
            WHERE r.appointment_id = a.id AND r.status IN ${REACHED});`;

const recompute = (touched: string, noShowsOnly: boolean) =>
  noShowsOnly ? recomputeNoShows(touched) : recomputeAll(touched);

const UPDATED_REMINDERS_BEFORE = `SELECT DISTINCT n.appointment_id FROM new_reminders n
                       JOIN old_reminders o ON o.id = n.id
                       WHERE n.status IS DISTINCT FROM o.status
                         AND (n.status IN ${REACHED} OR o.status IN ${REACHED})`;
const UPDATED_REMINDERS_NOW = `SELECT appointment_id FROM new_reminders
                       WHERE status IN ${REACHED}
                       UNION SELECT appointment_id FROM old_reminders
                       WHERE status IN ${REACHED}`;

function reachedFunction(updated: string, noShowsOnly: boolean): string {
  return `
      CREATE OR REPLACE FUNCTION reminder_reached_fact() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${recompute(`SELECT DISTINCT appointment_id FROM new_reminders WHERE status IN ${REACHED}`, noShowsOnly)}
        ELSIF TG_OP = 'UPDATE' THEN
          ${recompute(updated, noShowsOnly)}
        ELSE
          ${recompute(`SELECT DISTINCT appointment_id FROM old_reminders WHERE status IN ${REACHED}`, noShowsOnly)}
        END IF;
        RETURN NULL;
      END $$`;
}

export class RollupTriggersOnTheSendPath1795744000000 implements MigrationInterface {
  name = 'RollupTriggersOnTheSendPath1795744000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(reachedFunction(UPDATED_REMINDERS_NOW, true));
    await q.query(followFunction(UPDATED_NOW));
    // Becoming a no-show reads the fact; its reminders keep it current from then on.
    await q.query(`
      CREATE FUNCTION no_show_reached_fact() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.reminder_reached := EXISTS (
          SELECT 1 FROM reminders r
          WHERE r.appointment_id = NEW.id AND r.status IN ${REACHED});
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER appointments_no_show_reached BEFORE UPDATE OF status ON appointments
        FOR EACH ROW WHEN (NEW.status = 'no_show' AND OLD.status <> 'no_show')
        EXECUTE FUNCTION no_show_reached_fact()`);
    await q.query(`
      COMMENT ON COLUMN appointments.reminder_reached IS
        'for a no-show: one of its reminders is sent or delivered (set when it becomes a no-show, kept by trigger while it is one); not kept for other statuses'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER appointments_no_show_reached ON appointments`);
    await q.query(`DROP FUNCTION no_show_reached_fact()`);
    await q.query(followFunction(UPDATED_BEFORE));
    await q.query(reachedFunction(UPDATED_REMINDERS_BEFORE, false));
    await q.query(`
      COMMENT ON COLUMN appointments.reminder_reached IS
        'one of its reminders is sent or delivered; kept by trigger'`);
    // Every appointment's fact again, not only the no-shows'.
    await q.query(`SELECT no_show_facts_rebuild(id) FROM clinics`);
  }
}
