import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The clinic's cap on routine texts to one patient on one local day (default 3, null: none), and
 * the counter the outbound claim takes from: one row per patient and local day, incremented in
 * the statement that admits a routine text, so instances sharing the database never admit more
 * than the cap between them. `cap_admitted` on a reminder or text: it was admitted once and went
 * back unsent (the sender held back), so it is not counted again when claimed again.
 */
export class PatientDailyCap1795971000000 implements MigrationInterface {
  name = 'PatientDailyCap1795971000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clinics ADD COLUMN max_routine_texts_per_patient_per_day integer
      DEFAULT 3 CHECK (max_routine_texts_per_patient_per_day >= 1)`);
    await q.query(`CREATE TABLE patient_daily_texts (
      patient_id uuid NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      day date NOT NULL,
      asked integer NOT NULL,
      PRIMARY KEY (patient_id, day)
    )`);
    await q.query(`ALTER TABLE reminders ADD COLUMN cap_admitted boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE messages ADD COLUMN cap_admitted boolean NOT NULL DEFAULT false`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN cap_admitted`);
    await q.query(`ALTER TABLE reminders DROP COLUMN cap_admitted`);
    await q.query(`DROP TABLE patient_daily_texts`);
    await q.query(`ALTER TABLE clinics DROP COLUMN max_routine_texts_per_patient_per_day`);
  }
}
