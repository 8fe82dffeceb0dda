import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type {
  CalendarStoreSettings,
  StoredCalendarStoreSecret,
} from '../../clinics/calendar-store-settings';
import { CALENDAR_SYNC_WORK } from '../../clinics/calendar-store-settings';
import { DueSignals } from '../../common/due-work/due-signals';
import { returningRows } from '../../database/returning-rows';
import type { StoreLink, UnmappedEvent } from './calendar-store.port';

export interface ClaimedSync {
  clinic_id: string;
  cursor: string | null;
  lease_until: Date;
  /** when the store's deletions were last looked for by ref (FHIR), null: never */
  reconciled_at: Date | null;
}

export interface ConflictRow {
  id: string;
  appointment_id: string;
  external_id: string;
  last_error: string | null;
  last_attempt_at: Date | null;
}

export interface StoreState {
  store_type: string;
  last_read_at: Date | null;
  last_write_at: Date | null;
  reads: number;
  events_read: number;
  writes: number;
  write_conflicts: number;
  calendar_kept: number;
  last_error: string | null;
  last_error_at: Date | null;
  next_sync_at: Date;
  appointments: number;
  unmapped: number;
}

/** The store's sync rows (lease, cursor, what staff see), its links and unmapped events. */
@Injectable()
export class CalendarStoreRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Clinics whose sync is due, each under a lease: one sync of a clinic at a time across
   * instances (SKIP LOCKED, then the lease holds it while the sync talks to the store).
   */
  async claim(now: Date, leaseUntil: Date, by: string, limit: number): Promise<ClaimedSync[]> {
    const result: unknown = await this.ds.query(
      `WITH due AS (
         SELECT clinic_id FROM calendar_store_syncs
         WHERE next_sync_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
         ORDER BY next_sync_at LIMIT $4
         FOR UPDATE SKIP LOCKED)
       UPDATE calendar_store_syncs s SET lease_until = $2, leased_by = $3
       FROM due WHERE s.clinic_id = due.clinic_id
       RETURNING s.clinic_id, s.cursor, s.lease_until, s.reconciled_at`,
      [now, leaseUntil, by, limit],
    );
    return returningRows<ClaimedSync>(result);
  }

  async nextDue(): Promise<Date | null> {
    const rows: { at: Date | null }[] = await this.ds.query(
      `SELECT min(greatest(next_sync_at, coalesce(lease_until, next_sync_at))) AS at
       FROM calendar_store_syncs`,
    );
    return rows[0]?.at ?? null;
  }

  /** A read that finished, only while our lease holds. */
  async readDone(
    clinicId: string,
    leaseUntil: Date,
    r: { cursor: string | null; at: Date; next: Date; events: number; reconciled: boolean },
  ): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE calendar_store_syncs
       SET cursor = $3, last_read_at = $4, next_sync_at = $5, reads = reads + 1,
           events_read = events_read + $6, lease_until = NULL, leased_by = NULL,
           last_error = NULL, last_error_at = NULL,
           reconciled_at = CASE WHEN $7 THEN $4 ELSE reconciled_at END
       WHERE clinic_id = $1 AND lease_until = $2 RETURNING clinic_id`,
      [clinicId, leaseUntil, r.cursor, r.at, r.next, r.events, r.reconciled],
    );
    return returningRows(result).length > 0;
  }

  async readFailed(clinicId: string, leaseUntil: Date, error: string, at: Date, next: Date) {
    await this.ds.query(
      `UPDATE calendar_store_syncs
       SET last_error = $3, last_error_at = $4, next_sync_at = $5, lease_until = NULL,
           leased_by = NULL
       WHERE clinic_id = $1 AND lease_until = $2`,
      [clinicId, leaseUntil, error.slice(0, 2000), at, next],
    );
  }

  async wrote(clinicId: string, at: Date, conflicts: number): Promise<void> {
    await this.ds.query(
      `UPDATE calendar_store_syncs
       SET last_write_at = $2, writes = writes + 1, write_conflicts = write_conflicts + $3
       WHERE clinic_id = $1`,
      [clinicId, at, conflicts],
    );
  }

  /**
   * A move not written because the calendar had moved the appointment meanwhile: counted, and
   * the store is read right away so its time goes through the import.
   */
  async conflicted(clinicId: string, at: Date): Promise<void> {
    await this.ds.query(
      `UPDATE calendar_store_syncs
       SET calendar_kept = calendar_kept + 1, next_sync_at = least(next_sync_at, $2)
       WHERE clinic_id = $1`,
      [clinicId, at],
    );
    const wake = DueSignals.wake(CALENDAR_SYNC_WORK);
    await this.ds.query(`SELECT pg_notify($1, $2)`, [wake.channel, wake.payload]);
  }

  /** The refs of linked appointments still to come and not cancelled (a reconcile's list). */
  async upcomingRefs(clinicId: string, now: Date): Promise<string[]> {
    const rows: { href: string }[] = await this.ds.query(
      `SELECT l.href FROM calendar_store_links l
       JOIN appointments a ON a.clinic_id = l.clinic_id AND a.external_id = l.external_id
       WHERE l.clinic_id = $1 AND a.starts_at >= $2 AND a.status <> 'cancelled'
       ORDER BY l.href`,
      [clinicId, now],
    );
    return rows.map((r) => r.href);
  }

  /** Moves the calendar kept over Turnout's (write-back events settled as conflict). */
  async conflicts(clinicId: string, limit: number): Promise<ConflictRow[]> {
    return this.ds.query(
      `SELECT d.id, d.appointment_id, a.external_id, d.last_error, d.last_attempt_at
       FROM calendar_deliveries d JOIN appointments a ON a.id = d.appointment_id
       WHERE d.clinic_id = $1 AND d.status = 'conflict'
       ORDER BY d.last_attempt_at DESC NULLS LAST, d.seq DESC LIMIT $2`,
      [clinicId, limit],
    );
  }

  async writeFailed(clinicId: string, at: Date, error: string): Promise<void> {
    await this.ds.query(
      `UPDATE calendar_store_syncs SET last_error = $2, last_error_at = $3 WHERE clinic_id = $1`,
      [clinicId, error.slice(0, 2000), at],
    );
  }

  async linksByHref(clinicId: string, hrefs: string[]): Promise<StoreLink[]> {
    if (hrefs.length === 0) return [];
    const rows: LinkRow[] = await this.ds.query(
      `SELECT external_id, href, etag, source, item FROM calendar_store_links
       WHERE clinic_id = $1 AND href = ANY($2)`,
      [clinicId, hrefs],
    );
    return rows.map(toLink);
  }

  async link(clinicId: string, externalId: string): Promise<StoreLink | null> {
    const rows: LinkRow[] = await this.ds.query(
      `SELECT external_id, href, etag, source, item FROM calendar_store_links
       WHERE clinic_id = $1 AND external_id = $2`,
      [clinicId, externalId],
    );
    return rows[0] ? toLink(rows[0]) : null;
  }

  async saveLinks(clinicId: string, links: StoreLink[]): Promise<void> {
    for (let i = 0; i < links.length; i += 1000) {
      const page = links.slice(i, i + 1000);
      await this.ds.query(
        `INSERT INTO calendar_store_links (clinic_id, external_id, href, etag, source, item)
         SELECT $1, l.external_id, l.href, l.etag, l.source, l.item
         FROM jsonb_to_recordset($2::jsonb)
           AS l(external_id text, href text, etag text, source text, item jsonb)
         ON CONFLICT (clinic_id, external_id) DO UPDATE
         SET href = excluded.href, etag = excluded.etag, source = excluded.source,
             item = excluded.item`,
        [
          clinicId,
          JSON.stringify(
            page.map((l) => ({
              external_id: l.externalId,
              href: l.href,
              etag: l.etag,
              source: l.source,
              item: l.item,
            })),
          ),
        ],
      );
    }
  }

  /** After a write: the new version, keeping what was read as the item. */
  async updateLink(
    clinicId: string,
    link: { externalId: string; href: string; etag: string | null; source: string | null },
    item: unknown,
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO calendar_store_links (clinic_id, external_id, href, etag, source, item)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (clinic_id, external_id) DO UPDATE
       SET href = excluded.href, etag = excluded.etag, source = excluded.source`,
      [clinicId, link.externalId, link.href, link.etag, link.source, JSON.stringify(item)],
    );
  }

  async deleteLinks(clinicId: string, hrefs: string[]): Promise<void> {
    if (hrefs.length === 0) return;
    await this.ds.query(
      `DELETE FROM calendar_store_links WHERE clinic_id = $1 AND href = ANY($2)`,
      [clinicId, hrefs],
    );
  }

  /** The unmapped list follows each read: new reasons kept, refs now mapped or gone dropped. */
  async recordUnmapped(
    clinicId: string,
    unmapped: UnmappedEvent[],
    resolved: string[],
    at: Date,
  ): Promise<void> {
    if (resolved.length > 0) {
      await this.ds.query(
        `DELETE FROM calendar_store_unmapped WHERE clinic_id = $1 AND ref = ANY($2)`,
        [clinicId, resolved],
      );
    }
    if (unmapped.length === 0) return;
    await this.ds.query(
      `INSERT INTO calendar_store_unmapped (clinic_id, ref, summary, reason, seen_at)
       SELECT $1, u.ref, u.summary, u.reason, $3
       FROM jsonb_to_recordset($2::jsonb) AS u(ref text, summary text, reason text)
       ON CONFLICT (clinic_id, ref) DO UPDATE
       SET summary = excluded.summary, reason = excluded.reason, seen_at = excluded.seen_at`,
      [clinicId, JSON.stringify(dedupe(unmapped)), at],
    );
  }

  async state(clinicId: string): Promise<StoreState | null> {
    const rows: StoreState[] = await this.ds.query(
      `SELECT s.store_type, s.last_read_at, s.last_write_at, s.reads, s.events_read, s.writes,
              s.write_conflicts, s.calendar_kept, s.last_error, s.last_error_at, s.next_sync_at,
              (SELECT count(*)::int FROM calendar_store_links l WHERE l.clinic_id = s.clinic_id)
                AS appointments,
              (SELECT count(*)::int FROM calendar_store_unmapped u WHERE u.clinic_id = s.clinic_id)
                AS unmapped
       FROM calendar_store_syncs s WHERE s.clinic_id = $1`,
      [clinicId],
    );
    return rows[0] ?? null;
  }

  async unmapped(clinicId: string, limit: number): Promise<(UnmappedEvent & { seen_at: Date })[]> {
    return this.ds.query(
      `SELECT ref, summary, reason, seen_at FROM calendar_store_unmapped
       WHERE clinic_id = $1 ORDER BY seen_at DESC, ref LIMIT $2`,
      [clinicId, limit],
    );
  }

  /** The write-back outbox of the clinic, whatever its store: what waits and what failed. */
  async deliveryCounts(clinicId: string): Promise<{
    pending: number;
    failed: number;
    delivered: number;
    last_delivered_at: Date | null;
    last_error: string | null;
    last_error_at: Date | null;
  }> {
    const rows: {
      pending: number;
      failed: number;
      delivered: number;
      last_delivered_at: Date | null;
      last_error: string | null;
      last_error_at: Date | null;
    }[] = await this.ds.query(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
              max(delivered_at) AS last_delivered_at,
              (SELECT last_error FROM calendar_deliveries e
               WHERE e.clinic_id = $1 AND e.last_error IS NOT NULL
               ORDER BY e.last_attempt_at DESC NULLS LAST LIMIT 1) AS last_error,
              (SELECT last_attempt_at FROM calendar_deliveries e
               WHERE e.clinic_id = $1 AND e.last_error IS NOT NULL
               ORDER BY e.last_attempt_at DESC NULLS LAST LIMIT 1) AS last_error_at
       FROM calendar_deliveries WHERE clinic_id = $1`,
      [clinicId],
    );
    return rows[0];
  }

  /** The store's settings and sealed credentials, read at the moment of use. */
  async storeOf(clinicId: string): Promise<{
    timezone: string;
    store: CalendarStoreSettings | null;
    secret: StoredCalendarStoreSecret | null;
  } | null> {
    const rows: {
      timezone: string;
      store: CalendarStoreSettings | null;
      secret: StoredCalendarStoreSecret | null;
    }[] = await this.ds.query(
      `SELECT timezone, calendar_store AS store, calendar_store_secret AS secret
       FROM clinics WHERE id = $1`,
      [clinicId],
    );
    return rows[0] ?? null;
  }
}

interface LinkRow {
  external_id: string;
  href: string;
  etag: string | null;
  source: string | null;
  item: StoreLink['item'];
}

const toLink = (r: LinkRow): StoreLink => ({
  externalId: r.external_id,
  href: r.href,
  etag: r.etag,
  source: r.source,
  item: r.item,
});

function dedupe(unmapped: UnmappedEvent[]): UnmappedEvent[] {
  return [...new Map(unmapped.map((u) => [u.ref, u])).values()];
}
