import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops three foreign keys to clinics that another key of the same row already implies, so a
 * row written no longer pays for a second lookup (and a KEY SHARE lock) of its clinic:
 * - conversations: `patient_id` is NOT NULL and (clinic_id, patient_id) references
 *   patients (clinic_id, id) ON DELETE CASCADE; the patient row carries that clinic_id, which
 *   references clinics ON DELETE CASCADE. Written on every patient's text (the touch upsert).
 * - consent_events: the same, through its (clinic_id, patient_id) key.
 * - reminders: `appointment_id` is NOT NULL and (clinic_id, appointment_id) references
 *   appointments (clinic_id, id) ON DELETE CASCADE; appointments.clinic_id references clinics
 *   ON DELETE CASCADE. Written when a reply moves an appointment, and by every upload.
 * What held still holds: a row's clinic exists while the row does (its patient's or
 * appointment's does), and deleting a clinic still deletes these rows, through that patient or
 * appointment, in the same statement. Tables whose other keys may be NULL (messages, slots) keep
 * theirs.
 */
const IMPLIED = ['conversations', 'consent_events', 'reminders'];

export class RedundantClinicKeys1795830100000 implements MigrationInterface {
  name = 'RedundantClinicKeys1795830100000';

  public async up(q: QueryRunner): Promise<void> {
    for (const table of IMPLIED) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_clinic_id_fkey`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of IMPLIED) {
      await q.query(`
        ALTER TABLE ${table} ADD CONSTRAINT ${table}_clinic_id_fkey
          FOREIGN KEY (clinic_id) REFERENCES clinics(id) ON DELETE CASCADE`);
    }
  }
}
