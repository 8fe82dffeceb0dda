import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Calendar stores: where a clinic's calendar lives (CalDAV, FHIR R4; none is the webhook).
 * - clinics.calendar_store: its settings without secrets (type, url, user, syncSeconds...);
 *   clinics.calendar_store_secret: its credentials, sealed like the webhook secret.
 * - calendar_store_syncs: one row per clinic with a store, the sync's lease (one sync of a clinic
 *   at a time across instances), its cursor (sync token, last update seen) and what staff see.
 * - calendar_store_links: what an appointment read from the store is there (the event's URL and
 *   ETag, or the resource's version) and what was read, so a write edits the same thing and a
 *   deleted event can be cancelled.
 * - calendar_store_unmapped: events read that are not appointments Turnout can map, with why.
 */
export class CalendarStores1795950000000 implements MigrationInterface {
  name = 'CalendarStores1795950000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clinics ADD COLUMN calendar_store jsonb,
                                       ADD COLUMN calendar_store_secret jsonb`);
    await q.query(`
      CREATE TABLE calendar_store_syncs (
        clinic_id uuid PRIMARY KEY REFERENCES clinics(id) ON DELETE CASCADE,
        store_type text NOT NULL,
        cursor text,
        next_sync_at timestamptz NOT NULL,
        lease_until timestamptz,
        leased_by text,
        last_read_at timestamptz,
        last_write_at timestamptz,
        reads integer NOT NULL DEFAULT 0,
        events_read integer NOT NULL DEFAULT 0,
        writes integer NOT NULL DEFAULT 0,
        write_conflicts integer NOT NULL DEFAULT 0,
        last_error text,
        last_error_at timestamptz
      )`);
    await q.query(`CREATE INDEX calendar_store_syncs_due ON calendar_store_syncs (next_sync_at)`);
    await q.query(`
      CREATE TABLE calendar_store_links (
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        href text NOT NULL,
        etag text,
        source text,
        item jsonb NOT NULL,
        PRIMARY KEY (clinic_id, external_id)
      )`);
    await q.query(
      `CREATE INDEX calendar_store_links_href ON calendar_store_links (clinic_id, href)`,
    );
    await q.query(`
      CREATE TABLE calendar_store_unmapped (
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        ref text NOT NULL,
        summary text,
        reason text NOT NULL,
        seen_at timestamptz NOT NULL,
        PRIMARY KEY (clinic_id, ref)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE calendar_store_unmapped`);
    await q.query(`DROP TABLE calendar_store_links`);
    await q.query(`DROP TABLE calendar_store_syncs`);
    await q.query(`ALTER TABLE clinics DROP COLUMN calendar_store_secret,
                                       DROP COLUMN calendar_store`);
  }
}
