import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People who sign in as themselves (staff and admins), their passkeys, per-person sessions and
 * links, and the audit trail. Tokens and WebAuthn challenges are stored as SHA-256 only, like
 * API keys. The audit table has no foreign key: an entry outlives what it names, and a trigger
 * refuses every UPDATE and every DELETE except the retention job's, and only for entries older
 * than the clinic's retention by the database's own clock.
 */
export class StaffAccountsAndAudit1795900000000 implements MigrationInterface {
  name = 'StaffAccountsAndAudit1795900000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
        role text NOT NULL CHECK (role IN ('staff', 'admin')),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX staff_users_email ON staff_users (clinic_id, lower(email))`);
    await q.query(`
      CREATE TABLE staff_passkeys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        staff_id uuid NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
        credential_id text NOT NULL UNIQUE,
        public_key bytea NOT NULL,
        counter bigint NOT NULL DEFAULT 0,
        transports text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        last_used_at timestamptz
      )`);
    await q.query(`CREATE INDEX staff_passkeys_staff ON staff_passkeys (staff_id)`);
    await q.query(`
      ALTER TABLE console_sessions
        ADD COLUMN staff_id uuid REFERENCES staff_users(id) ON DELETE CASCADE,
        ADD COLUMN last_used_at timestamptz`);
    await q.query(
      `CREATE INDEX console_sessions_staff ON console_sessions (staff_id) WHERE staff_id IS NOT NULL`,
    );
    await q.query(`
      ALTER TABLE console_sign_in_links
        ADD COLUMN staff_id uuid REFERENCES staff_users(id) ON DELETE CASCADE`);
    await q.query(
      `CREATE INDEX console_sign_in_links_staff ON console_sign_in_links (staff_id) WHERE staff_id IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE webauthn_challenges (
        challenge_hash text PRIMARY KEY,
        purpose text NOT NULL CHECK (purpose IN ('register', 'sign_in')),
        link_hash text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT webauthn_challenges_register_has_link CHECK ((purpose = 'register') = (link_hash IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at)`);
    await q.query(`
      ALTER TABLE clinics
        ADD COLUMN audit_retention_days integer NOT NULL DEFAULT 2190
          CHECK (audit_retention_days BETWEEN 1 AND 36500)`);
    await q.query(`
      CREATE TABLE audit_entries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        clinic_id uuid NOT NULL,
        at timestamptz NOT NULL,
        actor_type text NOT NULL CHECK (actor_type IN ('person', 'integration', 'system')),
        actor_id uuid,
        actor_name text NOT NULL,
        action text NOT NULL,
        patient_phone text,
        appointment_id uuid,
        target_id text,
        client_address text
      )`);
    await q.query(`CREATE INDEX audit_entries_clinic_at ON audit_entries (clinic_id, at, id)`);
    await q.query(
      `CREATE INDEX audit_entries_patient ON audit_entries (clinic_id, patient_phone, at) WHERE patient_phone IS NOT NULL`,
    );
    await q.query(`
      CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('turnout.audit_retention', true) = 'on' THEN
          IF OLD.at < now() - make_interval(days => COALESCE(
               (SELECT c.audit_retention_days FROM clinics c WHERE c.id = OLD.clinic_id), 2190))
          THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
      FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
      FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_entries`);
    await q.query(`DROP FUNCTION audit_entries_append_only()`);
    await q.query(`ALTER TABLE clinics DROP COLUMN audit_retention_days`);
    await q.query(`DROP TABLE webauthn_challenges`);
    await q.query(`ALTER TABLE console_sign_in_links DROP COLUMN staff_id`);
    await q.query(`ALTER TABLE console_sessions DROP COLUMN staff_id, DROP COLUMN last_used_at`);
    await q.query(`DROP TABLE staff_passkeys`);
    await q.query(`DROP TABLE staff_users`);
  }
}
