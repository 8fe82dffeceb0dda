import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The clinic's office hours (`officeHours`): `{ "mon": ["08:00", "17:00"], "sat": null }`, checked
 * by the API (src/common/time/office-hours.ts). Null: the clinic promises no time in its answers.
 */
export class ClinicOfficeHours1795945000000 implements MigrationInterface {
  name = 'ClinicOfficeHours1795945000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clinics ADD COLUMN office_hours jsonb`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clinics DROP COLUMN office_hours`);
  }
}
