import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The waitlist and the filling of freed time (API.md, "Waitlist and filling freed time").
 * - `clinics.backfill`: the clinic's settings (null: off, with the defaults shown);
 *   `clinics.skip_when_confirmed`: reminder offsets not sent once the patient confirmed.
 * - `slots`: freed time is a slot row. `freed_at`/`freed_reason` say how it became free (in the
 *   transaction that freed it), `next_wave_at` when the next wave of offers is due (the
 *   backfill due work's index), `type` the freed appointment's type (null: any), and
 *   `cascade_depth` how many waitlist moves led to it (a bounded cascade).
 * - `waitlist_entries`: one live entry (waiting or offered) per patient, practitioner and type.
 * - `waitlist_offers`: which patient was offered which slot; one per slot and entry, so no
 *   patient is texted twice for the same slot.
 * - `appointments.filled_from` / `rebook_of`: appointments Turnout itself booked, written back
 *   as `appointment.booked`.
 */
const TYPES = [
  'appointment.confirmed',
  'appointment.cancelled',
  'appointment.rescheduled',
  'appointment.no_show',
  'appointment.reschedule_requested',
].map((t) => `'${t}'`);

export class WaitlistAndBackfill1795930000000 implements MigrationInterface {
  name = 'WaitlistAndBackfill1795930000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE clinics ADD COLUMN backfill jsonb,
        ADD COLUMN skip_when_confirmed text[] NOT NULL DEFAULT '{}'`);
    await q.query(`
      ALTER TABLE calendar_deliveries DROP CONSTRAINT calendar_deliveries_type_check,
        ADD CONSTRAINT calendar_deliveries_type_check CHECK (type IN (${TYPES.join(', ')},
          'appointment.booked'))`);
    await q.query(`
      ALTER TABLE appointments ADD COLUMN filled_from uuid, ADD COLUMN rebook_of uuid`);
    await q.query(`
      ALTER TABLE slots
        ADD COLUMN type text CHECK (length(type) <= 200),
        ADD COLUMN freed_at timestamptz,
        ADD COLUMN freed_reason text,
        ADD COLUMN next_wave_at timestamptz,
        ADD COLUMN waves integer NOT NULL DEFAULT 0,
        ADD COLUMN cascade_depth integer NOT NULL DEFAULT 0`);
    await q.query(
      `CREATE INDEX slots_next_wave ON slots (next_wave_at) WHERE next_wave_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE waitlist_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        patient_id uuid NOT NULL,
        practitioner text CHECK (length(practitioner) BETWEEN 1 AND 200),
        location text CHECK (length(location) <= 200),
        type text CHECK (length(type) <= 200),
        duration_minutes integer CHECK (duration_minutes BETWEEN 1 AND 1440),
        not_before date,
        not_after date,
        appointment_id uuid,
        priority integer NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'waiting'
          CHECK (status IN ('waiting', 'offered', 'booked', 'removed')),
        source text NOT NULL DEFAULT 'staff' CHECK (source IN ('staff', 'patient')),
        booked_appointment_id uuid,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT waitlist_window CHECK (not_after IS NULL OR not_before IS NULL
          OR not_after >= not_before),
        CONSTRAINT waitlist_patient_fk FOREIGN KEY (clinic_id, patient_id)
          REFERENCES patients (clinic_id, id),
        CONSTRAINT waitlist_appointment_fk FOREIGN KEY (clinic_id, appointment_id)
          REFERENCES appointments (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE UNIQUE INDEX waitlist_one_live ON waitlist_entries
        (clinic_id, patient_id, coalesce(practitioner, ''), coalesce(type, ''))
        WHERE status IN ('waiting', 'offered')`);
    await q.query(`
      CREATE INDEX waitlist_live_by_clinic ON waitlist_entries (clinic_id, priority DESC, created_at)
        WHERE status IN ('waiting', 'offered')`);
    await q.query(`
      CREATE TABLE waitlist_offers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        slot_id uuid NOT NULL REFERENCES slots(id) ON DELETE CASCADE,
        entry_id uuid NOT NULL REFERENCES waitlist_entries(id) ON DELETE CASCADE,
        patient_id uuid NOT NULL,
        wave integer NOT NULL,
        created_at timestamptz NOT NULL,
        closed_at timestamptz,
        closed_reason text CHECK (closed_reason IN ('booked', 'taken', 'replaced', 'withdrawn')),
        CONSTRAINT waitlist_offer_once UNIQUE (slot_id, entry_id)
      )`);
    await q.query(`
      CREATE INDEX waitlist_offers_open_by_patient ON waitlist_offers (patient_id, created_at)
        WHERE closed_at IS NULL`);
    await q.query(
      `CREATE INDEX waitlist_offers_by_clinic ON waitlist_offers (clinic_id, created_at)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE waitlist_offers`);
    await q.query(`DROP TABLE waitlist_entries`);
    await q.query(`DROP INDEX slots_next_wave`);
    await q.query(`
      ALTER TABLE slots DROP COLUMN type, DROP COLUMN freed_at, DROP COLUMN freed_reason,
        DROP COLUMN next_wave_at, DROP COLUMN waves, DROP COLUMN cascade_depth`);
    await q.query(`ALTER TABLE appointments DROP COLUMN filled_from, DROP COLUMN rebook_of`);
    await q.query(`DELETE FROM calendar_deliveries WHERE type = 'appointment.booked'`);
    await q.query(`
      ALTER TABLE calendar_deliveries DROP CONSTRAINT calendar_deliveries_type_check,
        ADD CONSTRAINT calendar_deliveries_type_check CHECK (type IN (${TYPES.join(', ')}))`);
    await q.query(`ALTER TABLE clinics DROP COLUMN backfill, DROP COLUMN skip_when_confirmed`);
  }
}
