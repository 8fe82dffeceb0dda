import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The no-show report's daily rollup, kept right by the database itself.
 *
 * A year of one busy clinic is a million appointments; counting them (with their history and
 * reminders) on every request cannot answer in 300 ms on two cores. So each appointment carries
 * four facts about its past, and `no_show_daily` holds, per clinic and local day, the sum of
 * every appointment's contribution to the report: the day's totals, and per practitioner, per
 * location and per type.
 *
 * Both are maintained by statement-level triggers with transition tables, in the transaction of
 * the change itself, so every write path (uploads, staff changes, patient replies, reminder
 * outcomes, automatic no-shows, a clinic moving to another time zone) keeps them right without
 * having to remember to:
 * - appointment_events (insert) -> the appointment's *_by_text facts;
 * - reminders (insert, update, delete) -> the appointment's reminder_reached fact;
 * - appointments (insert, update, delete) -> no_show_daily, old contribution out, new one in;
 * - clinics (update of timezone) -> that clinic's rows rebuilt on its new local days.
 * A trigger costs one statement per statement, not one per row.
 */

/** Columns of an appointment that its contribution depends on. */
const FACT_COLUMNS = `clinic_id, starts_at, practitioner, location, type, status,
  confirmed_by_text, rescheduled_by_text, cancelled_by_text, reminder_reached`;

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

/**
 * The report's definitions, once, in COUNTERS' order: sums over rows `d` of FACT_COLUMNS plus a `sign`
 * (+1 for a row that now counts, -1 for one that no longer does).
 */
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

/**
 * The contributions of `source` (rows of FACT_COLUMNS and sign), summed per rollup row: each
 * appointment counts once in each dimension: `none` (the day's totals), and its practitioner,
 * location and type. A report reads one dimension, so grouping by practitioner reads one row per
 * practitioner and day, and every other grouping a handful per day, whatever the mix of keys.
 */
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

/** Adds the contributions of `source` to the rollup. */
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

export class NoShowReport1795741000000 implements MigrationInterface {
  name = 'NoShowReport1795741000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE appointments
        ADD COLUMN confirmed_by_text boolean NOT NULL DEFAULT false,
        ADD COLUMN rescheduled_by_text boolean NOT NULL DEFAULT false,
        ADD COLUMN cancelled_by_text boolean NOT NULL DEFAULT false,
        ADD COLUMN reminder_reached boolean NOT NULL DEFAULT false`);
    await q.query(`
      COMMENT ON COLUMN appointments.confirmed_by_text IS
        'the patient confirmed by text at some point (REPLY_CONFIRM or REPLY_SLOT, source patient); kept by trigger';
      COMMENT ON COLUMN appointments.rescheduled_by_text IS
        'the patient moved it to an offered slot by text (REPLY_SLOT, source patient); kept by trigger';
      COMMENT ON COLUMN appointments.cancelled_by_text IS
        'the patient cancelled it by text (REPLY_CANCEL, source patient); kept by trigger';
      COMMENT ON COLUMN appointments.reminder_reached IS
        'one of its reminders is sent or delivered; kept by trigger'`);

    await q.query(`
      CREATE TABLE no_show_daily (
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        dimension text NOT NULL
          CHECK (dimension IN ('none', 'practitioner', 'location', 'type')),
        day date NOT NULL,
        -- the practitioner, location or type (NULL when the appointment has none); NULL for none
        key text,
        ${COUNTERS.map((k) => `${k} integer NOT NULL DEFAULT 0`).join(',\n        ')},
        CONSTRAINT no_show_daily_key UNIQUE NULLS NOT DISTINCT (clinic_id, dimension, day, key)
      )`);

    // The facts the history implies: patient replies only ever add to them.
    await q.query(`
      CREATE FUNCTION appointment_text_facts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE appointments a SET
          confirmed_by_text = a.confirmed_by_text OR f.confirmed,
          rescheduled_by_text = a.rescheduled_by_text OR f.rescheduled,
          cancelled_by_text = a.cancelled_by_text OR f.cancelled
        FROM (
          SELECT appointment_id,
                 bool_or(event IN ('REPLY_CONFIRM', 'REPLY_SLOT')) AS confirmed,
                 bool_or(event = 'REPLY_SLOT') AS rescheduled,
                 bool_or(event = 'REPLY_CANCEL') AS cancelled
          FROM new_events
          WHERE source = 'patient' AND event IN ('REPLY_CONFIRM', 'REPLY_SLOT', 'REPLY_CANCEL')
          GROUP BY appointment_id
        ) f
        WHERE a.id = f.appointment_id
          AND ((f.confirmed AND NOT a.confirmed_by_text)
            OR (f.rescheduled AND NOT a.rescheduled_by_text)
            OR (f.cancelled AND NOT a.cancelled_by_text));
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER appointment_events_text_facts AFTER INSERT ON appointment_events
        REFERENCING NEW TABLE AS new_events
        FOR EACH STATEMENT EXECUTE FUNCTION appointment_text_facts()`);

    // reminder_reached is re-read from the reminders of every appointment one of whose
    // reminders entered or left sent/delivered (a sent one can still fail afterwards).
    const REACHED = `('sent', 'delivered')`;
    const recompute = (touched: string) => `
        UPDATE appointments a SET reminder_reached = f.reached
        FROM (
          SELECT t.appointment_id, EXISTS (
            SELECT 1 FROM reminders r
            WHERE r.appointment_id = t.appointment_id AND r.status IN ${REACHED}
          ) AS reached
          FROM (${touched}) t
        ) f
        WHERE a.id = f.appointment_id AND a.reminder_reached <> f.reached;`;
    await q.query(`
      CREATE FUNCTION reminder_reached_fact() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${recompute(`SELECT DISTINCT appointment_id FROM new_reminders WHERE status IN ${REACHED}`)}
        ELSIF TG_OP = 'UPDATE' THEN
          ${recompute(`SELECT DISTINCT n.appointment_id FROM new_reminders n
                       JOIN old_reminders o ON o.id = n.id
                       WHERE n.status IS DISTINCT FROM o.status
                         AND (n.status IN ${REACHED} OR o.status IN ${REACHED})`)}
        ELSE
          ${recompute(`SELECT DISTINCT appointment_id FROM old_reminders WHERE status IN ${REACHED}`)}
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER reminders_reached_insert AFTER INSERT ON reminders
        REFERENCING NEW TABLE AS new_reminders
        FOR EACH STATEMENT EXECUTE FUNCTION reminder_reached_fact()`);
    await q.query(`
      CREATE TRIGGER reminders_reached_update AFTER UPDATE ON reminders
        REFERENCING OLD TABLE AS old_reminders NEW TABLE AS new_reminders
        FOR EACH STATEMENT EXECUTE FUNCTION reminder_reached_fact()`);
    await q.query(`
      CREATE TRIGGER reminders_reached_delete AFTER DELETE ON reminders
        REFERENCING OLD TABLE AS old_reminders
        FOR EACH STATEMENT EXECUTE FUNCTION reminder_reached_fact()`);

    await q.query(`
      CREATE FUNCTION no_show_daily_follow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${upsertFrom(`SELECT ${FACT_COLUMNS}, 1 AS sign FROM new_appointments`)};
        ELSIF TG_OP = 'UPDATE' THEN
          ${upsertFrom(`SELECT ${FACT_COLUMNS}, 1 AS sign FROM new_appointments
                        UNION ALL SELECT ${FACT_COLUMNS}, -1 FROM old_appointments`)};
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
      END $$`);
    await q.query(`
      CREATE TRIGGER appointments_no_show_daily_insert AFTER INSERT ON appointments
        REFERENCING NEW TABLE AS new_appointments
        FOR EACH STATEMENT EXECUTE FUNCTION no_show_daily_follow()`);
    await q.query(`
      CREATE TRIGGER appointments_no_show_daily_update AFTER UPDATE ON appointments
        REFERENCING OLD TABLE AS old_appointments NEW TABLE AS new_appointments
        FOR EACH STATEMENT EXECUTE FUNCTION no_show_daily_follow()`);
    await q.query(`
      CREATE TRIGGER appointments_no_show_daily_delete AFTER DELETE ON appointments
        REFERENCING OLD TABLE AS old_appointments
        FOR EACH STATEMENT EXECUTE FUNCTION no_show_daily_follow()`);

    // Rebuilds one clinic's rollup from its appointments: a new time zone moves every local day.
    await q.query(`
      CREATE FUNCTION no_show_daily_rebuild(target uuid) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM no_show_daily WHERE clinic_id = target;
        ${upsertFrom(`SELECT ${FACT_COLUMNS}, 1 AS sign FROM appointments WHERE clinic_id = target`)};
      END $$`);
    await q.query(`
      CREATE FUNCTION no_show_daily_clinic_zone() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM no_show_daily_rebuild(n.id)
        FROM new_clinics n JOIN old_clinics o ON o.id = n.id
        WHERE n.timezone IS DISTINCT FROM o.timezone;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER clinics_no_show_daily_zone AFTER UPDATE ON clinics
        REFERENCING OLD TABLE AS old_clinics NEW TABLE AS new_clinics
        FOR EACH STATEMENT EXECUTE FUNCTION no_show_daily_clinic_zone()`);

    // Recomputes one clinic's facts from its history and reminders (backfill, bulk loads).
    await q.query(`
      CREATE FUNCTION no_show_facts_rebuild(target uuid) RETURNS void LANGUAGE sql AS $$
        UPDATE appointments a SET
          confirmed_by_text = coalesce(f.confirmed, false),
          rescheduled_by_text = coalesce(f.rescheduled, false),
          cancelled_by_text = coalesce(f.cancelled, false),
          reminder_reached = EXISTS (SELECT 1 FROM reminders r
                                     WHERE r.appointment_id = a.id AND r.status IN ${REACHED})
        FROM appointments x
        LEFT JOIN (
          SELECT appointment_id,
                 bool_or(event IN ('REPLY_CONFIRM', 'REPLY_SLOT')) AS confirmed,
                 bool_or(event = 'REPLY_SLOT') AS rescheduled,
                 bool_or(event = 'REPLY_CANCEL') AS cancelled
          FROM appointment_events
          WHERE clinic_id = target AND source = 'patient'
            AND event IN ('REPLY_CONFIRM', 'REPLY_SLOT', 'REPLY_CANCEL')
          GROUP BY appointment_id
        ) f ON f.appointment_id = x.id
        WHERE x.clinic_id = target AND a.id = x.id
      $$`);

    // Facts and rollup for the rows that exist already.
    await q.query(`SELECT no_show_facts_rebuild(id), no_show_daily_rebuild(id) FROM clinics`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER clinics_no_show_daily_zone ON clinics`);
    await q.query(`DROP TRIGGER appointments_no_show_daily_delete ON appointments`);
    await q.query(`DROP TRIGGER appointments_no_show_daily_update ON appointments`);
    await q.query(`DROP TRIGGER appointments_no_show_daily_insert ON appointments`);
    await q.query(`DROP TRIGGER reminders_reached_delete ON reminders`);
    await q.query(`DROP TRIGGER reminders_reached_update ON reminders`);
    await q.query(`DROP TRIGGER reminders_reached_insert ON reminders`);
    await q.query(`DROP TRIGGER appointment_events_text_facts ON appointment_events`);
    await q.query(`DROP FUNCTION no_show_facts_rebuild(uuid)`);
    await q.query(`DROP FUNCTION no_show_daily_clinic_zone()`);
    await q.query(`DROP FUNCTION no_show_daily_rebuild(uuid)`);
    await q.query(`DROP FUNCTION no_show_daily_follow()`);
    await q.query(`DROP FUNCTION reminder_reached_fact()`);
    await q.query(`DROP FUNCTION appointment_text_facts()`);
    await q.query(`DROP TABLE no_show_daily`);
    await q.query(`
      ALTER TABLE appointments
        DROP COLUMN confirmed_by_text, DROP COLUMN rescheduled_by_text,
        DROP COLUMN cancelled_by_text, DROP COLUMN reminder_reached`);
  }
}
