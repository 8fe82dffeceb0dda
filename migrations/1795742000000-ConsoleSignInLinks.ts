import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One-time console sign-in links (`npm run demo` prints one). Like sessions, only the token's
 * SHA-256 is stored; a link is deleted when it is used, so it signs in once.
 */
export class ConsoleSignInLinks1795742000000 implements MigrationInterface {
  name = 'ConsoleSignInLinks1795742000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_sign_in_links (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT console_sign_in_links_expire_after_creation CHECK (expires_at > created_at)
      )`);
    await q.query(
      `CREATE INDEX console_sign_in_links_expiry ON console_sign_in_links (expires_at)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE console_sign_in_links`);
  }
}
