import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The no-show rollup (1795741000000-NoShowReport) without hot rows on the write path.
 *
 * `no_show_daily_follow` upserted, in the transaction of every appointment change, the clinic's
 * rollup rows of that day: the day's totals and its practitioner's, location's and type's. Every
 * reply of one clinic on one day updated the same rows, so each waited for the previous one's
 * commit (at 100 replies/s over 25 clinics, a quarter of the reply path's database time was that
 * wait) and two transactions touching two appointments could deadlock.
 *
 * Now a change only appends what it adds to and takes from the counts, one row per appointment
 * and place it is counted in (`no_show_delta`: its clinic, start, practitioner, location, type
 * and the ten counters, each -1, 0 or 1). Appending takes no lock anyone waits for. The due-work
 * engine folds the deltas into `no_show_daily` now and then (`no_show_daily_fold`: the deltas it
 * takes are deleted and summed into the rollup in one statement, so a delta is counted either in
 * the rollup or in the deltas, never both), and the report reads the rollup plus the deltas not
 * yet folded (`no_show_pending`): exact whether the fold ran a second ago or never.
 *
 * A delta keeps the start as an instant, not a local day: the day is computed with the clinic's
 * zone when it is folded or read. A clinic that changes its zone rebuilds its rollup from its
 * appointments (`no_show_rollup_rebuild`) and drops its deltas, with the delta table locked
 * against writers, so the appointments it reads are exactly those the dropped deltas described:
 * a writer blocked meanwhile appends its delta after, against the rebuilt rollup.
 *
 * An update that changes nothing the report counts (a reschedule request, a version bump, a new
 * patient name) appends nothing: an appointment's old and new counters cancel out.
 */

/** no_show_daily's counters, as 1795741000000-NoShowReport made them (a migration is frozen). */
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
 * What one appointment row counts for, in COUNTERS' order: the report's definitions of
 * 1795741000000-NoShowReport (its SUMS), row by row.
 */
const COUNTS = [
  `1`,
  `(status IN ('arrived', 'completed'))::int`,
  `(status = 'no_show')::int`,
  `(status = 'cancelled')::int`,
  `confirmed_by_text::int`,
  `(status = 'no_show' AND confirmed_by_text)::int`,
  `(status = 'no_show' AND NOT confirmed_by_text AND reminder_reached)::int`,
  `(status = 'no_show' AND NOT confirmed_by_text AND NOT reminder_reached)::int`,
  `rescheduled_by_text::int`,
  `(status = 'cancelled' AND cancelled_by_text)::int`,
];

/** Where an appointment is counted: the columns a delta keeps besides the counters. */
const PLACE = 'clinic_id, starts_at, practitioner, location, type';

/** The rows of `table` as deltas, each counter times `sign`. */
const counted = (table: string, sign: 1 | -1, extra = '') =>
  `SELECT ${extra}${PLACE}, ${COUNTS.map((c, i) => `${sign} * ${c} AS ${COUNTERS[i]}`).join(', ')}
   FROM ${table}`;

const nonZero = (prefix: string) => COUNTERS.map((k) => `${prefix}${k} <> 0`).join(' OR ');

/** An updated appointment's counters after, less before; nothing when they are the same. */
const UPDATED = `
  SELECT ${PLACE}, ${COUNTERS.map((k) => `sum(${k})`).join(', ')}
  FROM (${counted('new_appointments', 1, 'id, ')}
        UNION ALL ${counted('old_appointments', -1, 'id, ')}) x
  -- NULL practitioners, locations and types group together
  GROUP BY id, ${PLACE}
  HAVING ${COUNTERS.map((k) => `sum(${k}) <> 0`).join(' OR ')}`;

const append = (source: string) =>
  `INSERT INTO no_show_delta (${PLACE}, ${COUNTERS.join(', ')}) ${source}`;

/**
 * The deltas of `source` by rollup row: each counts once in each dimension, on its clinic's
 * local day (a clinic deleted meanwhile drops out, as its rollup did). `counter` reads a
 * counter of `d`; `tail` may group.
 */
const rollupRows = (source: string, counter: (c: string) => string, tail = '') => `
  SELECT d.clinic_id, g.dimension, (d.starts_at AT TIME ZONE c.timezone)::date AS day, g.key,
         ${COUNTERS.map((k) => `${counter(`d.${k}`)} AS ${k}`).join(', ')}
  FROM ${source} d
  JOIN clinics c ON c.id = d.clinic_id
  CROSS JOIN LATERAL (VALUES ('none', NULL::text), ('practitioner', d.practitioner),
                             ('location', d.location), ('type', d.type)) g(dimension, key)
  ${tail}`;

export class NoShowRollupDeltas1795810000000 implements MigrationInterface {
  name = 'NoShowRollupDeltas1795810000000';

  public async up(q: QueryRunner): Promise<void> {
    // No index and no foreign key: an append is one heap insert. The fold takes rows by ctid.
    await q.query(`
      CREATE TABLE no_show_delta (
        clinic_id uuid NOT NULL,
        starts_at timestamptz NOT NULL,
        practitioner text,
        location text,
        type text,
        ${COUNTERS.map((k) => `${k} smallint NOT NULL`).join(',\n        ')}
      )`);
    await q.query(`
      COMMENT ON TABLE no_show_delta IS
        'changes to the no-show counts not yet folded into no_show_daily (no_show_daily_fold); the report reads both'`);
    // The report's view of the deltas: one row per delta and dimension, on its local day.
    await q.query(`
      CREATE VIEW no_show_pending AS ${rollupRows('no_show_delta', (c) => c)}`);

    await q.query(`
      CREATE FUNCTION no_show_delta_follow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${append(counted('new_appointments', 1))};
        ELSIF TG_OP = 'UPDATE' THEN
          ${append(UPDATED)};
        ELSE
          ${append(counted('old_appointments', -1))};
        END IF;
        RETURN NULL;
      END $$`);
    for (const op of ['insert', 'update', 'delete'] as const) {
      await q.query(`DROP TRIGGER appointments_no_show_daily_${op} ON appointments`);
      await q.query(appointmentsTrigger(op, 'no_show_delta_follow'));
    }

    // Folds up to `batch` deltas into the rollup; returns how many it took. Instances fold
    // side by side (SKIP LOCKED), each writing the rollup rows in one order.
    await q.query(`
      CREATE FUNCTION no_show_daily_fold(batch integer) RETURNS integer LANGUAGE sql AS $$
        WITH taken AS (
          DELETE FROM no_show_delta
          WHERE ctid = ANY (ARRAY(SELECT ctid FROM no_show_delta LIMIT batch
                                  FOR UPDATE SKIP LOCKED))
          RETURNING *
        ), folded AS (
          INSERT INTO no_show_daily AS r (clinic_id, dimension, day, key, ${COUNTERS.join(', ')})
          SELECT s.* FROM (${rollupRows('taken', (c) => `sum(${c})`, 'GROUP BY 1, 2, 3, 4')}) s
          WHERE ${nonZero('s.')}
          ORDER BY 1, 2, 3, 4
          ON CONFLICT (clinic_id, dimension, day, key) DO UPDATE SET
            ${COUNTERS.map((k) => `${k} = r.${k} + excluded.${k}`).join(',\n            ')}
        )
        SELECT count(*)::int FROM taken
      $$`);

    // A clinic's rollup rebuilt from its appointments, its deltas dropped (see above).
    await q.query(`
      CREATE FUNCTION no_show_rollup_rebuild(target uuid) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        LOCK TABLE no_show_delta IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM no_show_delta WHERE clinic_id = target;
        PERFORM no_show_daily_rebuild(target);
      END $$`);
    await q.query(zoneFunction('no_show_rollup_zone', 'no_show_rollup_rebuild'));
    await q.query(`DROP TRIGGER clinics_no_show_daily_zone ON clinics`);
    await q.query(zoneTrigger('no_show_rollup_zone'));
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER clinics_no_show_daily_zone ON clinics`);
    await q.query(zoneTrigger('no_show_daily_clinic_zone'));
    for (const op of ['insert', 'update', 'delete'] as const) {
      await q.query(`DROP TRIGGER appointments_no_show_daily_${op} ON appointments`);
      await q.query(appointmentsTrigger(op, 'no_show_daily_follow'));
    }
    // What is pending goes into the rollup before the deltas go.
    await q.query(`LOCK TABLE no_show_delta IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`SELECT no_show_daily_fold(2147483647)`);
    await q.query(`DROP FUNCTION no_show_rollup_zone()`);
    await q.query(`DROP FUNCTION no_show_rollup_rebuild(uuid)`);
    await q.query(`DROP FUNCTION no_show_daily_fold(integer)`);
    await q.query(`DROP FUNCTION no_show_delta_follow()`);
    await q.query(`DROP VIEW no_show_pending`);
    await q.query(`DROP TABLE no_show_delta`);
  }
}

/** The triggers of 1795741000000-NoShowReport, on `fn`. */
function appointmentsTrigger(op: 'insert' | 'update' | 'delete', fn: string): string {
  const tables = {
    insert: 'NEW TABLE AS new_appointments',
    update: 'OLD TABLE AS old_appointments NEW TABLE AS new_appointments',
    delete: 'OLD TABLE AS old_appointments',
  }[op];
  return `
    CREATE TRIGGER appointments_no_show_daily_${op} AFTER ${op.toUpperCase()} ON appointments
      REFERENCING ${tables}
      FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`;
}

function zoneFunction(name: string, rebuild: string): string {
  return `
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM ${rebuild}(n.id)
      FROM new_clinics n JOIN old_clinics o ON o.id = n.id
      WHERE n.timezone IS DISTINCT FROM o.timezone;
      RETURN NULL;
    END $$`;
}

function zoneTrigger(fn: string): string {
  return `
    CREATE TRIGGER clinics_no_show_daily_zone AFTER UPDATE ON clinics
      REFERENCING OLD TABLE AS old_clinics NEW TABLE AS new_clinics
      FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`;
}
