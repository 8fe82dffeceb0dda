import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "A slot is booked by at most one appointment... and an appointment books at most one slot"
 * (slots_booked_once) checked, as before, at commit, over booked slots only.
 *
 * The deferrable unique constraint on booked_appointment_id indexed every slot, open ones with a
 * NULL key no lookup ever reaches (NULLs never conflict): each new open slot and each ordinary
 * update of an open slot (an offer's hold, its release, a booking let go) wrote an entry, about
 * 1.4 a patient's text in bench:replies. A unique index cannot be both partial and deferrable;
 * an exclusion constraint on `=` can, and says the same: no two rows with equal non-NULL
 * booked_appointment_id, checked at commit (a move books the new slot before it frees the old).
 * Lookups by booked_appointment_id (freeing an appointment's slot, the key check of
 * slots_booked_fk when an appointment is deleted) are equalities, so they still use it. A
 * violation now reports SQLSTATE 23P01 (exclusion) instead of 23505; the API answers both 409.
 */
export class SlotBookingsIndexedOnceBooked1795830400000 implements MigrationInterface {
  name = 'SlotBookingsIndexedOnceBooked1795830400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE slots DROP CONSTRAINT slots_booked_once,
        ADD CONSTRAINT slots_booked_once EXCLUDE USING btree (booked_appointment_id WITH =)
          WHERE (booked_appointment_id IS NOT NULL) DEFERRABLE INITIALLY DEFERRED`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE slots DROP CONSTRAINT slots_booked_once,
        ADD CONSTRAINT slots_booked_once UNIQUE (booked_appointment_id)
          DEFERRABLE INITIALLY DEFERRED`);
  }
}
