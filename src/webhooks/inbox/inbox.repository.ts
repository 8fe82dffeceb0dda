import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ProviderType } from '../../messaging/providers/sms-provider.port';
import { dueClaimSql } from '../../common/due-work/due-claim';
import { namedQuery } from '../../database/named-query';
import { returningRows } from '../../database/returning-rows';
import {
  conversationOf,
  eventKey,
  InboxEvent,
  InboxRow,
  InboxWrite,
  InboxWriteOutcome,
} from './inbox-event';

interface RawInboxRow {
  id: string;
  provider_type: ProviderType;
  clinic_id: string;
  payload: InboxEvent;
  received_at: Date;
  attempts: number;
  claims: number;
}

/** The inbox's identity of an event: what makes a provider's retry a duplicate. */
export function inboxKey(w: InboxWrite): string {
  return `${w.providerType}\u0000${w.event.kind}\u0000${eventKey(w.event)}`;
}

/** Due events, claimed as due work; an expired lease makes an event due again in place. */
const CLAIM_SQL = dueClaimSql({
  table: 'webhook_inbox',
  due: `t.processed_at IS NULL AND t.failed_at IS NULL AND t.run_at <= $1
    AND (t.lease_until IS NULL OR t.lease_until <= $1)
    AND (t.conversation IS NULL OR NOT EXISTS (
      SELECT 1 FROM webhook_inbox o
      WHERE o.clinic_id = t.clinic_id AND o.conversation = t.conversation
        AND o.processed_at IS NULL AND o.failed_at IS NULL
        AND o.conversation IS NOT NULL AND o.id < t.id))`,
  order: 't.run_at, t.id',
  // A claim is not an attempt: `attempts` counts those (retryLater, markDead, countAttempt).
  set: 'claims = w.claims + 1',
  returning: 'w.id, w.provider_type, w.clinic_id, w.payload, w.received_at, w.attempts, w.claims',
});

@Injectable()
export class InboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Stores events in one statement (one commit for many webhooks), each at most once, and only
   * while the clinic is still at the version whose credentials authenticated it. Outcomes in
   * input order. Duplicates within `writes` must be removed first. `wake` is sent (pg_notify)
   * when an event is stored: delivered at the statement's commit, a round trip less than a
   * notification of its own.
   */
  async insertMany(
    writes: InboxWrite[],
    wake: { channel: string; payload: string },
  ): Promise<InboxWriteOutcome[]> {
    // Named, like the claims below: planned once per connection (see namedQuery).
    const rows = returningRows<{ ord: string; inserted: boolean }>(
      await namedQuery(
        this.ds,
        'inbox_insert',
        `WITH v AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::int[],
                              $6::text[], $7::text[], $8::timestamptz[]) WITH ORDINALITY
           AS v(provider_type, kind, event_key, clinic_id, clinic_version, conversation,
                payload, received_at, ord)
       ), current_clinic AS (
         SELECT v.* FROM v JOIN clinics c ON c.id = v.clinic_id
         WHERE v.clinic_version IS NULL OR c.version = v.clinic_version
       ), ins AS (
         INSERT INTO webhook_inbox (provider_type, kind, event_key, clinic_id, conversation,
                                    payload, received_at, run_at)
         SELECT provider_type, kind, event_key, clinic_id, conversation, payload::jsonb,
                received_at, received_at
         FROM current_clinic
         ORDER BY ord
         ON CONFLICT (provider_type, kind, event_key) DO NOTHING
         RETURNING provider_type, kind, event_key
       )
       SELECT cc.ord, ins.event_key IS NOT NULL AS inserted,
              -- one notification however many rows ask (PostgreSQL folds identical ones)
              CASE WHEN ins.event_key IS NOT NULL THEN pg_notify($9, $10) END AS woke
       FROM current_clinic cc
       LEFT JOIN ins ON ins.provider_type = cc.provider_type AND ins.kind = cc.kind
                    AND ins.event_key = cc.event_key`,
        [
          writes.map((w) => w.providerType),
          writes.map((w) => w.event.kind),
          writes.map((w) => eventKey(w.event)),
          writes.map((w) => w.clinicId),
          writes.map((w) => w.clinicVersion),
          writes.map((w) => conversationOf(w.event)),
          writes.map((w) => JSON.stringify(w.event)),
          writes.map((w) => w.receivedAt),
          wake.channel,
          wake.payload,
        ],
      ),
    );
    const outcomes: InboxWriteOutcome[] = writes.map(() => 'stale');
    for (const row of rows) outcomes[Number(row.ord) - 1] = row.inserted ? 'stored' : 'duplicate';
    return outcomes;
  }

  /**
   * Leases up to `limit` due events (see dueClaimSql). SKIP LOCKED lets several instances claim
   * side by side; the lease hands an event to another instance if this one dies before settling
   * it. Only the oldest open event of a conversation is claimable, so a patient's STOP and START
   * never swap places.
   */
  async claim(now: Date, leaseUntil: Date, limit: number, owner: string): Promise<InboxRow[]> {
    const result = await namedQuery(this.ds, 'inbox_claim', CLAIM_SQL, [
      now,
      leaseUntil,
      owner,
      limit,
      false,
    ]);
    return returningRows<RawInboxRow>(result)
      .map(toRow)
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** When the next open event becomes due after `now` (its retry, or a dead holder's lease). */
  async nextDue(now: Date): Promise<Date | null> {
    const rows = returningRows<{ next: Date | null }>(
      await namedQuery(
        this.ds,
        'inbox_next_due',
        `SELECT min(greatest(run_at, coalesce(lease_until, run_at))) AS next FROM webhook_inbox
         WHERE processed_at IS NULL AND failed_at IS NULL
           AND greatest(run_at, coalesce(lease_until, run_at)) > $1`,
        [now],
      ),
    );
    return rows[0]?.next ?? null;
  }

  /**
   * Settles events inside the transaction that applies their effects, and first: the row locks
   * make a second processor (whose lease ran out under it) wait, then find them done. Returns
   * the ids this transaction now owns.
   */
  async markProcessed(m: EntityManager, ids: string[], at: Date): Promise<Set<string>> {
    const result = await namedQuery(
      m,
      'inbox_mark_processed',
      `UPDATE webhook_inbox SET processed_at = $2, lease_until = NULL, last_error = NULL
       WHERE id = ANY($1::bigint[]) AND processed_at IS NULL AND failed_at IS NULL
       RETURNING id`,
      [ids, at],
    );
    return new Set(returningRows<{ id: string }>(result).map((r) => String(r.id)));
  }

  /**
   * Counts an attempt before it runs (committed on its own), while `owner` still holds the
   * event; false when it no longer does (its lease ran out and another took it, or it is settled).
   */
  async countAttempt(id: string, owner: string): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE webhook_inbox SET attempts = attempts + 1
       WHERE id = $1 AND leased_by = $2 AND processed_at IS NULL AND failed_at IS NULL
       RETURNING id`,
      [id, owner],
    );
    return returningRows(result).length === 1;
  }

  /**
   * A failed attempt (counted here unless `count` is false: it was counted before it ran): tries
   * again at `runAt`. Inside the transaction that marked the event processed (`m`), that mark is
   * undone; outside, an event some other processor has settled meanwhile is left alone.
   */
  async retryLater(
    id: string,
    error: string,
    runAt: Date,
    count: boolean,
    m?: EntityManager,
  ): Promise<void> {
    await (m ?? this.ds.manager).query(
      `UPDATE webhook_inbox SET processed_at = NULL, run_at = $3, lease_until = NULL,
              last_error = $2, attempts = attempts + CASE WHEN $5 THEN 1 ELSE 0 END
       WHERE id = $1 AND failed_at IS NULL AND ($4 OR processed_at IS NULL)`,
      [id, error, runAt, m !== undefined, count],
    );
  }

  /**
   * Stops trying: the event is dead, after its last failed attempt (counted here when `count`),
   * or when its processors kept dying in its attempts. The row stays for inspection
   * (`failed_at`, `last_error`) and no longer blocks its conversation.
   */
  async markDead(
    id: string,
    error: string,
    at: Date,
    count: boolean,
    m?: EntityManager,
  ): Promise<void> {
    await (m ?? this.ds.manager).query(
      `UPDATE webhook_inbox SET processed_at = NULL, failed_at = $3, lease_until = NULL,
              last_error = $2, attempts = attempts + CASE WHEN $5 THEN 1 ELSE 0 END
       WHERE id = $1 AND failed_at IS NULL AND ($4 OR processed_at IS NULL)`,
      [id, error, at, m !== undefined, count],
    );
  }

  /**
   * Forgets events processed before `before`. A provider retry arriving later still changes
   * nothing: inbound messages are unique per provider id and statuses only move forward.
   */
  async purgeProcessed(before: Date, limit: number): Promise<number> {
    const result: unknown = await this.ds.query(
      `DELETE FROM webhook_inbox WHERE id IN (
         SELECT id FROM webhook_inbox WHERE processed_at < $1 LIMIT $2)
       RETURNING id`,
      [before, limit],
    );
    return returningRows(result).length;
  }
}

function toRow(r: RawInboxRow): InboxRow {
  return {
    id: String(r.id),
    providerType: r.provider_type,
    clinicId: r.clinic_id,
    event: r.payload,
    receivedAt: r.received_at,
    attempts: r.attempts,
    claims: r.claims,
  };
}
