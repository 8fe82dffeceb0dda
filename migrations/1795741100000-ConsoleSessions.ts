import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff console sign-ins. The browser holds a random session token in an HttpOnly cookie; only
 * its SHA-256 is stored, like API keys, so a copy of this table signs nobody in.
 */
export class ConsoleSessions1795741100000 implements MigrationInterface {
  name = 'ConsoleSessions1795741100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT console_sessions_expire_after_creation CHECK (expires_at > created_at)
      )`);
    await q.query(`CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE console_sessions`);
  }
}
