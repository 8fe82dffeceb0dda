import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wording and timing experiments. `variants` keeps each variant as created (key, and its
 * templates or reminder offsets); an assignment names the variant by position and key. One
 * assignment per appointment, ever: it is made when the appointment is first planned and kept
 * through moves. The partial unique index is what makes "one experiment per clinic at a time"
 * hold between instances: a second open one cannot be inserted, whoever races.
 */
export class Experiments1795910000000 implements MigrationInterface {
  name = 'Experiments1795910000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE experiments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        variants jsonb NOT NULL,
        weights double precision[] NOT NULL,
        starts_on date NOT NULL,
        ends_on date,
        ended_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE UNIQUE INDEX experiments_one_open_per_clinic ON experiments (clinic_id)
        WHERE ended_at IS NULL`);
    await q.query(`CREATE INDEX experiments_by_clinic ON experiments (clinic_id, created_at)`);
    await q.query(`
      CREATE TABLE experiment_assignments (
        appointment_id uuid PRIMARY KEY REFERENCES appointments(id) ON DELETE CASCADE,
        experiment_id uuid NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        variant_index integer NOT NULL,
        variant text NOT NULL,
        assigned_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX experiment_assignments_by_experiment ON experiment_assignments (experiment_id)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE experiment_assignments`);
    await q.query(`DROP TABLE experiments`);
  }
}
