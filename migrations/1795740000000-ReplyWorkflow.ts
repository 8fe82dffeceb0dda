import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reply workflow: conversations staff look at, slot offers made by text, the calendar
 * write-back outbox, and the index the automatic no-show sweep claims from.
 *
 * Races are the database's to decide: one open offer per appointment (partial unique index), a
 * slot booked at most once (slots.booked_appointment_id is unique and only ever set where it is
 * NULL), and calendar events of one appointment delivered in `seq` order.
 */
export class ReplyWorkflow1795740000000 implements MigrationInterface {
  name = 'ReplyWorkflow1795740000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE conversations (
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        patient_phone text NOT NULL CHECK (patient_phone ~ '^\\+[1-9][0-9]{6,14}$'),
        patient_id uuid NOT NULL,
        -- the appointment the last reply was about, if any
        appointment_id uuid,
        needs_attention boolean NOT NULL DEFAULT false,
        reason text CHECK (reason IN (
          'unrecognized_reply', 'cancel_keyword', 'no_slots', 'no_appointment'
        )),
        flagged_at timestamptz,
        resolved_at timestamptz,
        last_message_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, patient_phone),
        CONSTRAINT conversations_flag_consistent CHECK (
          needs_attention = (reason IS NOT NULL) AND needs_attention = (flagged_at IS NOT NULL)
        ),
        CONSTRAINT conversations_patient_fk FOREIGN KEY (clinic_id, patient_id)
          REFERENCES patients (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT conversations_appointment_fk FOREIGN KEY (clinic_id, appointment_id)
          REFERENCES appointments (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX conversations_attention ON conversations (clinic_id, flagged_at)
       WHERE needs_attention`,
    );

    await q.query(`
      CREATE TABLE reschedule_offers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        -- in the order the patient was sent them: slot_ids[1] is the answer "1"
        slot_ids uuid[] NOT NULL CHECK (cardinality(slot_ids) BETWEEN 1 AND 3),
        created_at timestamptz NOT NULL,
        closed_at timestamptz,
        closed_reason text CHECK (closed_reason IN ('booked', 'replaced', 'withdrawn')),
        booked_slot_id uuid,
        CONSTRAINT reschedule_offers_closed_consistent CHECK (
          (closed_at IS NULL) = (closed_reason IS NULL)
        ),
        CONSTRAINT reschedule_offers_appointment_fk FOREIGN KEY (clinic_id, appointment_id)
          REFERENCES appointments (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE UNIQUE INDEX reschedule_offers_one_open ON reschedule_offers (appointment_id)
       WHERE closed_at IS NULL`,
    );
    // A patient moving from one booked slot to another books the new one before freeing the
    // old: "one booked slot per appointment" holds at commit, not between the two statements.
    await q.query(`ALTER TABLE slots DROP CONSTRAINT slots_booked_appointment_id_key`);
    await q.query(
      `ALTER TABLE slots ADD CONSTRAINT slots_booked_once UNIQUE (booked_appointment_id)
       DEFERRABLE INITIALLY DEFERRED`,
    );
    // The hold-expiry sweep: held slots by the end of their hold.
    await q.query(`CREATE INDEX slots_held ON slots (held_until) WHERE held_until IS NOT NULL`);

    await q.query(`
      CREATE TABLE calendar_deliveries (
        -- "evt_..." as the receiver sees it
        id text PRIMARY KEY CHECK (id ~ '^evt_[0-9a-f]{32}$'),
        seq bigserial NOT NULL UNIQUE,
        clinic_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        type text NOT NULL CHECK (type IN (
          'appointment.confirmed', 'appointment.cancelled', 'appointment.rescheduled',
          'appointment.no_show', 'appointment.reschedule_requested'
        )),
        occurred_at timestamptz NOT NULL,
        -- The exact bytes signed and sent, every attempt: a retry is the same event.
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz NOT NULL,
        give_up_at timestamptz NOT NULL,
        lease_until timestamptz,
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL,
        CONSTRAINT calendar_deliveries_appointment_fk FOREIGN KEY (clinic_id, appointment_id)
          REFERENCES appointments (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX calendar_deliveries_due ON calendar_deliveries (next_attempt_at)
       WHERE status = 'pending'`,
    );
    // "Is an earlier event of this appointment still undelivered?", asked for every candidate.
    await q.query(
      `CREATE INDEX calendar_deliveries_order ON calendar_deliveries (appointment_id, seq)
       WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX calendar_deliveries_clinic ON calendar_deliveries (clinic_id, seq DESC)`,
    );

    // The automatic no-show sweep: appointments that could still become no-shows, by end.
    await q.query(
      `CREATE INDEX appointments_no_show_due ON appointments (ends_at)
       WHERE status IN ('scheduled', 'confirmed')`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX appointments_no_show_due`);
    await q.query(`DROP TABLE calendar_deliveries`);
    await q.query(`DROP INDEX slots_held`);
    await q.query(`ALTER TABLE slots DROP CONSTRAINT slots_booked_once`);
    await q.query(
      `ALTER TABLE slots ADD CONSTRAINT slots_booked_appointment_id_key UNIQUE (booked_appointment_id)`,
    );
    await q.query(`DROP TABLE reschedule_offers`);
    await q.query(`DROP TABLE conversations`);
  }
}
