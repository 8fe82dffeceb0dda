import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A patient's C (scheduled -> confirmed) updates the appointment in place, as a heap-only (HOT)
 * update: no new entry in any of its seven indexes, the overlap constraint's GiST index included.
 *
 * PostgreSQL can only update a row heap-only when no column an index reads changes, and the
 * columns a partial index's predicate reads count. `status` was read by two predicates: the
 * overlap constraint's (`status NOT IN ('cancelled', 'no_show')`) and the no-show sweep's index
 * (`status IN ('scheduled', 'confirmed')`), so every status change, confirmations included,
 * wrote a new entry into every index of the table (bench:replies: appointments 0.80 updates per
 * text, none heap-only). Both predicates now read a stored generated column instead, whose value
 * a confirmation does not change:
 * - `occupies_time`: the appointment holds its practitioner's time (every status but the freed
 *   ones, FREED_STATUSES in appointment.machine.ts);
 * - `no_show_candidate`: the sweep may still mark it a no-show (scheduled or confirmed).
 * Same constraint, same rows in the sweep's index: only the way the predicate is written moved.
 * Queries that want those indexes say `occupies_time` / `no_show_candidate` (the planner cannot
 * see that a status condition implies them). A cancellation, a move and a reschedule request
 * change an indexed value and stay ordinary updates.
 *
 * Heap-only needs room on the row's page: appointments keep 10% of each page free
 * (fillfactor 90), applied here by the table rewrite the stored columns make. On a large table
 * this migration rewrites it and rebuilds its indexes under an exclusive lock: run it off-peak.
 */
/** The overlap constraint of 1795737000000-Foundation, on live appointments as `live` says. */
function overlapConstraint(live: string): string {
  return `
    ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap,
      ADD CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
        practitioner_key WITH =,
        clinic_id WITH =,
        practitioner WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
      ) WHERE (practitioner IS NOT NULL AND ${live})`;
}

export class AppointmentConfirmationsStayHeapOnly1795830000000 implements MigrationInterface {
  name = 'AppointmentConfirmationsStayHeapOnly1795830000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE appointments SET (fillfactor = 90)`);
    await q.query(`
      ALTER TABLE appointments
        ADD COLUMN occupies_time boolean NOT NULL
          GENERATED ALWAYS AS (status NOT IN ('cancelled', 'no_show')) STORED,
        ADD COLUMN no_show_candidate boolean NOT NULL
          GENERATED ALWAYS AS (status IN ('scheduled', 'confirmed')) STORED`);
    await q.query(`
      COMMENT ON COLUMN appointments.occupies_time IS
        'holds the practitioner''s time (not cancelled or no_show): the overlap constraint''s predicate'`);
    await q.query(`
      COMMENT ON COLUMN appointments.no_show_candidate IS
        'scheduled or confirmed: the automatic no-show sweep''s index predicate'`);
    await q.query(overlapConstraint('occupies_time'));
    await q.query(`DROP INDEX appointments_no_show_due`);
    await q.query(
      `CREATE INDEX appointments_no_show_due ON appointments (ends_at) WHERE no_show_candidate`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX appointments_no_show_due`);
    await q.query(overlapConstraint(`status NOT IN ('cancelled', 'no_show')`));
    await q.query(`
      ALTER TABLE appointments DROP COLUMN occupies_time, DROP COLUMN no_show_candidate`);
    await q.query(
      `CREATE INDEX appointments_no_show_due ON appointments (ends_at)
       WHERE status IN ('scheduled', 'confirmed')`,
    );
    await q.query(`ALTER TABLE appointments RESET (fillfactor)`);
  }
}
