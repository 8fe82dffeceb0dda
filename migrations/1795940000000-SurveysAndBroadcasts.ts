import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Visit surveys and broadcasts.
 * - clinics.survey_enabled / survey_after_minutes: the clinic's `survey` setting (off by default).
 * - surveys: one per appointment (unique), the question's message, the score and the comment.
 * - the inbox may flag a conversation `low_rating`.
 * - broadcasts: one per clinic and Idempotency-Key; broadcast_recipients: one per patient,
 *   written at once and worked through in batches by due work (`done_at`).
 * - A partial index over visits that ended attended: the survey pass reads only the last 36 hours'.
 */
export class SurveysAndBroadcasts1795940000000 implements MigrationInterface {
  name = 'SurveysAndBroadcasts1795940000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE clinics
        ADD COLUMN survey_enabled boolean NOT NULL DEFAULT false,
        ADD COLUMN survey_after_minutes integer NOT NULL DEFAULT 60
          CHECK (survey_after_minutes BETWEEN 0 AND 1440)`);
    await q.query(`ALTER TABLE conversations DROP CONSTRAINT conversations_reason_check`);
    await q.query(`
      ALTER TABLE conversations ADD CONSTRAINT conversations_reason_check CHECK (reason IN (
        'unrecognized_reply', 'cancel_keyword', 'no_slots', 'no_appointment', 'low_rating'))`);
    // Over the stored columns, not `status`: a confirmation stays a heap-only update (see
    // 1795830000000-AppointmentConfirmationsStayHeapOnly). Holds arrived, completed and
    // reschedule_requested visits; the survey pass filters the last out.
    await q.query(`
      CREATE INDEX appointments_attended_ends ON appointments (ends_at)
      WHERE occupies_time AND NOT no_show_candidate`);
    await q.query(`
      CREATE TABLE surveys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        appointment_id uuid NOT NULL UNIQUE,
        patient_id uuid NOT NULL,
        message_id uuid,
        created_at timestamptz NOT NULL,
        score smallint CHECK (score BETWEEN 1 AND 5),
        answered_at timestamptz,
        comment text CHECK (char_length(comment) <= 2000),
        commented_at timestamptz,
        CONSTRAINT surveys_answer_consistent CHECK ((score IS NULL) = (answered_at IS NULL)),
        CONSTRAINT surveys_appointment_fk FOREIGN KEY (clinic_id, appointment_id)
          REFERENCES appointments (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT surveys_patient_fk FOREIGN KEY (clinic_id, patient_id)
          REFERENCES patients (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX surveys_patient ON surveys (patient_id, created_at)`);
    await q.query(`CREATE INDEX surveys_clinic ON surveys (clinic_id, created_at)`);
    await q.query(`
      CREATE TABLE broadcasts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        idempotency_key text,
        request_hash text NOT NULL,
        date date NOT NULL,
        -- the local day in the clinic's zone when the broadcast was made, as instants
        starts_from timestamptz NOT NULL,
        starts_before timestamptz NOT NULL,
        practitioner text,
        location text,
        body text NOT NULL,
        segments integer NOT NULL,
        cancel_appointments boolean NOT NULL,
        recipients integer NOT NULL,
        opted_out integer NOT NULL,
        appointments integer NOT NULL,
        created_at timestamptz NOT NULL,
        CONSTRAINT broadcasts_key_unique UNIQUE (clinic_id, idempotency_key)
      )`);
    await q.query(`
      CREATE TABLE broadcast_recipients (
        broadcast_id uuid NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
        clinic_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        opted_out boolean NOT NULL,
        message_id uuid,
        done_at timestamptz,
        PRIMARY KEY (broadcast_id, patient_id),
        CONSTRAINT broadcast_recipients_patient_fk FOREIGN KEY (clinic_id, patient_id)
          REFERENCES patients (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE INDEX broadcast_recipients_todo ON broadcast_recipients (broadcast_id)
      WHERE done_at IS NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE broadcast_recipients`);
    await q.query(`DROP TABLE broadcasts`);
    await q.query(`DROP TABLE surveys`);
    await q.query(`DROP INDEX appointments_attended_ends`);
    await q.query(
      `UPDATE conversations SET reason = 'unrecognized_reply' WHERE reason = 'low_rating'`,
    );
    await q.query(`ALTER TABLE conversations DROP CONSTRAINT conversations_reason_check`);
    await q.query(`
      ALTER TABLE conversations ADD CONSTRAINT conversations_reason_check CHECK (reason IN (
        'unrecognized_reply', 'cancel_keyword', 'no_slots', 'no_appointment'))`);
    await q.query(
      `ALTER TABLE clinics DROP COLUMN survey_enabled, DROP COLUMN survey_after_minutes`,
    );
  }
}
