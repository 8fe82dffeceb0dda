import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A write-back event can end as `conflict`: Turnout's move met a newer version in which the
 * calendar itself had moved the appointment, so the calendar's time was kept and the event was
 * not written (nor retried). calendar_store_syncs counts them.
 */
export class CalendarWriteConflicts1795981000000 implements MigrationInterface {
  name = 'CalendarWriteConflicts1795981000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE calendar_deliveries DROP CONSTRAINT calendar_deliveries_status_check,
        ADD CONSTRAINT calendar_deliveries_status_check
          CHECK (status IN ('pending', 'delivered', 'failed', 'conflict'))`);
    await q.query(`
      ALTER TABLE calendar_store_syncs
        ADD COLUMN calendar_kept integer NOT NULL DEFAULT 0,
        ADD COLUMN reconciled_at timestamptz`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE calendar_store_syncs DROP COLUMN calendar_kept,
                     DROP COLUMN reconciled_at`);
    await q.query(`UPDATE calendar_deliveries SET status = 'failed' WHERE status = 'conflict'`);
    await q.query(`
      ALTER TABLE calendar_deliveries DROP CONSTRAINT calendar_deliveries_status_check,
        ADD CONSTRAINT calendar_deliveries_status_check
          CHECK (status IN ('pending', 'delivered', 'failed'))`);
  }
}
