import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The no-show risk model per clinic (learned from its finished visits, refit by due work), the
 * score of each upcoming appointment, and the clinic's extra reminder for risky appointments.
 * Scores live beside the appointment, not in it: they are staff-only and never leave in a
 * calendar write-back, and refreshing them never touches the appointment row.
 */
export class RiskModels1795920000000 implements MigrationInterface {
  name = 'RiskModels1795920000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE risk_models (
        clinic_id uuid PRIMARY KEY REFERENCES clinics (id) ON DELETE CASCADE,
        -- when an instance last looked at this clinic (and took it): others wait their turn
        checked_at timestamptz NOT NULL,
        finished_visits integer NOT NULL DEFAULT 0,
        fitted_at timestamptz,
        training_size integer,
        model jsonb
      )`);
    await q.query(`
      CREATE TABLE appointment_risk (
        appointment_id uuid PRIMARY KEY REFERENCES appointments (id) ON DELETE CASCADE,
        clinic_id uuid NOT NULL,
        score double precision NOT NULL,
        reasons jsonb NOT NULL,
        -- the appointment's version and the model it was scored with: either changing rescores
        version integer NOT NULL,
        fitted_at timestamptz NOT NULL,
        scored_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX appointment_risk_clinic ON appointment_risk (clinic_id)`);
    await q.query(`ALTER TABLE clinics ADD COLUMN extra_reminder jsonb`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clinics DROP COLUMN extra_reminder`);
    await q.query(`DROP TABLE appointment_risk`);
    await q.query(`DROP TABLE risk_models`);
  }
}
