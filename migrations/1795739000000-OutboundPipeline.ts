import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every outbound text is a `messages` row the pipeline sends: a producer writes it `pending`
 * with a due time (`run_at`), a priority and, for answers, an expiry; the pipeline claims it
 * under a lease like any due work. Reminders write theirs already leased, at claim time.
 *
 * - `unknown`: the instance holding the lease died; the text may or may not have gone out.
 * - `expired`: an answer that could not be sent in time.
 * - consent_events: the ledger behind `patients.opted_out_at` (which stays as its cache).
 */
export class OutboundPipeline1795739000000 implements MigrationInterface {
  name = 'OutboundPipeline1795739000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE messages
        ADD COLUMN run_at timestamptz,
        ADD COLUMN lease_until timestamptz,
        ADD COLUMN leased_by text,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        -- 0: an answer to the patient's own message; 1: routine (reminders)
        ADD COLUMN priority smallint NOT NULL DEFAULT 1 CHECK (priority IN (0, 1)),
        ADD COLUMN expires_at timestamptz,
        -- the reminder this text is an attempt of; no foreign key: the hot insert stays lean,
        -- and both rows go with their appointment anyway
        ADD COLUMN reminder_id uuid`);
    await q.query(`ALTER TABLE messages DROP CONSTRAINT messages_status_check`);
    await q.query(`
      ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN (
        'pending', 'queued', 'sent', 'delivered', 'undelivered', 'failed', 'expired', 'unknown',
        'received'))`);
    // Both ways into open outbound rows: due ones nobody holds (lease_until IS NULL, by
    // priority then due time), and held ones whose lease ran out (lease_until < now).
    await q.query(`
      CREATE INDEX messages_open ON messages (lease_until, priority, run_at)
      WHERE status = 'pending' AND direction = 'outbound'`);

    await q.query(`
      CREATE TABLE consent_events (
        id bigserial PRIMARY KEY,
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        patient_id uuid NOT NULL,
        -- the clinic's number the patient was talking to
        sender_number text NOT NULL,
        action text NOT NULL CHECK (action IN ('opt_out', 'opt_in')),
        source text NOT NULL CHECK (source IN ('keyword', 'phrase', 'provider', 'staff')),
        -- the keyword or phrase, the provider's error code, or null for staff
        word text CHECK (length(word) <= 500),
        note text CHECK (length(note) <= 500),
        inbound_message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
        at timestamptz NOT NULL,
        CONSTRAINT consent_events_patient_fk FOREIGN KEY (clinic_id, patient_id)
          REFERENCES patients (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX consent_events_patient ON consent_events (patient_id, at DESC, id DESC)`,
    );
    // The one text allowed to an opted-out patient: the confirmation of that very opt-out.
    await q.query(`
      ALTER TABLE messages ADD COLUMN confirms_consent_event bigint
        REFERENCES consent_events(id) ON DELETE SET NULL`);

    await q.query(`UPDATE patients SET opt_out_source = 'phrase'
                   WHERE opt_out_source = 'plain_language'`);
    await q.query(`ALTER TABLE patients DROP CONSTRAINT patients_opt_out_source_check`);
    await q.query(`
      ALTER TABLE patients ADD CONSTRAINT patients_opt_out_source_check
        CHECK (opt_out_source IN ('keyword', 'phrase', 'provider', 'staff'))`);

    // The inbox is claimed by the same due-work engine, which records the lease holder.
    await q.query(`ALTER TABLE webhook_inbox ADD COLUMN leased_by text`);
    // Nothing reads or writes it: the appointment's state is its status column.
    await q.query(`ALTER TABLE appointments DROP COLUMN workflow_state`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE appointments ADD COLUMN workflow_state jsonb NOT NULL DEFAULT '{}'::jsonb`,
    );
    await q.query(`ALTER TABLE webhook_inbox DROP COLUMN leased_by`);
    await q.query(`ALTER TABLE patients DROP CONSTRAINT patients_opt_out_source_check`);
    await q.query(`UPDATE patients SET opt_out_source = 'plain_language'
                   WHERE opt_out_source = 'phrase'`);
    await q.query(`
      ALTER TABLE patients ADD CONSTRAINT patients_opt_out_source_check
        CHECK (opt_out_source IN ('keyword', 'plain_language', 'provider', 'staff'))`);
    await q.query(`ALTER TABLE messages DROP COLUMN confirms_consent_event`);
    await q.query(`DROP TABLE consent_events`);
    await q.query(`DROP INDEX messages_open`);
    await q.query(`DELETE FROM messages WHERE status IN ('expired', 'unknown')`);
    await q.query(`ALTER TABLE messages DROP CONSTRAINT messages_status_check`);
    await q.query(`
      ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN (
        'pending', 'queued', 'sent', 'delivered', 'undelivered', 'failed', 'received'))`);
    await q.query(`
      ALTER TABLE messages DROP COLUMN run_at, DROP COLUMN lease_until, DROP COLUMN leased_by,
        DROP COLUMN attempts, DROP COLUMN priority, DROP COLUMN expires_at,
        DROP COLUMN reminder_id`);
  }
}
