import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The missed-visit follow-up (API.md, "Waitlist and filling freed time").
 * - clinics.missed_visit_follow_up_enabled / _after_minutes: the clinic's `missedVisitFollowUp`
 *   setting (off by default).
 * - missed_visits: one row per appointment that became `no_show` while the follow-up was on,
 *   written in the transaction that marked it (the primary key: a visit re-marked no-show is
 *   followed up once). `due_at` is when the follow-up text is due (the due work's index);
 *   `sent_at` when it was written to the outbound pipeline (the time it may go), or `skipped`
 *   why it was not; `rebooked_appointment_id` the appointment the patient's pick booked.
 */
export class MissedVisitFollowUp1795961000000 implements MigrationInterface {
  name = 'MissedVisitFollowUp1795961000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE clinics
        ADD COLUMN missed_visit_follow_up_enabled boolean NOT NULL DEFAULT false,
        ADD COLUMN missed_visit_follow_up_after_minutes integer NOT NULL DEFAULT 60
          CHECK (missed_visit_follow_up_after_minutes BETWEEN 0 AND 1440)`);
    await q.query(`
      CREATE TABLE missed_visits (
        appointment_id uuid PRIMARY KEY,
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        patient_id uuid NOT NULL,
        missed_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        message_id uuid,
        sent_at timestamptz,
        skipped text CHECK (skipped IN ('not_missed', 'opted_out', 'disabled', 'late')),
        rebooked_appointment_id uuid,
        CONSTRAINT missed_visits_appointment_fk FOREIGN KEY (clinic_id, appointment_id)
          REFERENCES appointments (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT missed_visits_patient_fk FOREIGN KEY (clinic_id, patient_id)
          REFERENCES patients (clinic_id, id)
      )`);
    await q.query(`
      CREATE INDEX missed_visits_due ON missed_visits (due_at)
        WHERE sent_at IS NULL AND skipped IS NULL`);
    await q.query(`
      CREATE INDEX missed_visits_followed_up ON missed_visits (patient_id, sent_at)
        WHERE sent_at IS NOT NULL AND rebooked_appointment_id IS NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE missed_visits`);
    await q.query(`
      ALTER TABLE clinics DROP COLUMN missed_visit_follow_up_enabled,
        DROP COLUMN missed_visit_follow_up_after_minutes`);
  }
}
