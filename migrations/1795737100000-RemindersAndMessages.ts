import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reminder plan, the message log and the per-sender send budget.
 * A reminder is keyed by (appointment, offset, the start time it was planned for): re-planning
 * the same appointment at the same time can never produce a second text for the same reminder.
 */
export class RemindersAndMessages1795737100000 implements MigrationInterface {
  name = 'RemindersAndMessages1795737100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        patient_id uuid,
        appointment_id uuid,
        direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
        kind text NOT NULL DEFAULT 'reminder',
        body text NOT NULL,
        status text NOT NULL CHECK (status IN (
          'pending', 'queued', 'sent', 'delivered', 'undelivered', 'failed', 'received'
        )),
        segments integer NOT NULL DEFAULT 1 CHECK (segments >= 1),
        encoding text NOT NULL DEFAULT 'GSM-7' CHECK (encoding IN ('GSM-7', 'UCS-2')),
        from_number text NOT NULL,
        to_number text NOT NULL,
        provider_type text NOT NULL,
        provider_message_id text,
        error_code text,
        error_detail text,
        created_at timestamptz NOT NULL,
        sent_at timestamptz,
        delivered_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT messages_provider_id_unique UNIQUE (provider_type, provider_message_id),
        CONSTRAINT messages_patient_fk FOREIGN KEY (clinic_id, patient_id)
          REFERENCES patients (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT messages_appointment_fk FOREIGN KEY (clinic_id, appointment_id)
          REFERENCES appointments (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX messages_appointment ON messages (appointment_id, created_at)`);
    await q.query(`CREATE INDEX messages_patient ON messages (patient_id, created_at)`);

    await q.query(`
      CREATE TABLE reminders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        appointment_id uuid NOT NULL,
        "offset" text NOT NULL,
        planned_for timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN (
          'pending', 'sending', 'sent', 'delivered', 'failed', 'skipped', 'cancelled'
        )),
        run_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        lease_until timestamptz,
        leased_by text,
        sent_at timestamptz,
        reason text,
        message_id uuid REFERENCES messages(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT reminders_once UNIQUE (appointment_id, "offset", planned_for),
        CONSTRAINT reminders_appointment_fk FOREIGN KEY (clinic_id, appointment_id)
          REFERENCES appointments (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT reminders_lease_consistent CHECK ((status = 'sending') = (lease_until IS NOT NULL))
      )`);
    // The dispatcher's two claim paths: due pending work, and sending work whose lease expired.
    await q.query(`CREATE INDEX reminders_due ON reminders (run_at) WHERE status = 'pending'`);
    await q.query(
      `CREATE INDEX reminders_leased ON reminders (lease_until) WHERE status = 'sending'`,
    );
    await q.query(`CREATE INDEX reminders_appointment ON reminders (appointment_id)`);

    // GCRA per sender: the theoretical arrival time of the next allowed message.
    await q.query(`
      CREATE TABLE sender_budgets (
        provider_type text NOT NULL,
        sender_number text NOT NULL,
        next_free_at timestamptz NOT NULL,
        PRIMARY KEY (provider_type, sender_number)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sender_budgets`);
    await q.query(`DROP TABLE reminders`);
    await q.query(`DROP TABLE messages`);
  }
}
