import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * reminders_appointment (appointment_id) repeats the leading column of reminders_once
 * (appointment_id, "offset", planned_for), which serves every lookup by appointment, the
 * cascade from appointments included. It is not free: no update of a reminder is HOT (its
 * status is in the partial indexes' predicates), so each of the dispatcher's two updates per
 * reminder inserted an entry into it, on a random page.
 */
export class DispatchIndexes1795737300000 implements MigrationInterface {
  name = 'DispatchIndexes1795737300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX reminders_appointment`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX reminders_appointment ON reminders (appointment_id)`);
  }
}
