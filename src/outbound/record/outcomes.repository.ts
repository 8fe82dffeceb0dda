import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { SendOutcome } from './outcomes';
import { namedQuery } from '../../database/named-query';
import { returningRows } from '../../database/returning-rows';

/** One outcome as the statement reads it. */
interface OutcomeRow {
  reminder_id: string | null;
  message_id: string | null;
  kind: SendOutcome['kind'];
  /** the reminder's next status */
  status: 'pending' | 'sent' | 'failed' | 'skipped' | null;
  run_at: Date | null;
  /** 1 when this outcome followed a provider call: a fact, recorded lease or no lease */
  attempted: number;
  sent_at: Date | null;
  reason: string | null;
  provider_message_id: string | null;
  segments: number | null;
  code: string | null;
  detail: string | null;
}

/**
 * The row of one outcome. Every row is built by `row` with all its fields in one order: objects
 * of one shape, which JSON.stringify writes several times faster than the spread copies each
 * case used to make (a few microseconds per text on the dispatch path, bench:dispatch).
 */
function rowOf(o: SendOutcome): OutcomeRow {
  switch (o.kind) {
    case 'sent':
      return row(o, 'sent', null, 1, o.at, null, o.providerMessageId, o.segments, null, null);
    case 'retried':
      return row(o, 'pending', o.runAt, 1, null, o.reason, null, null, o.code, cut(o.detail));
    case 'failed':
      return row(
        o,
        'failed',
        null,
        o.attempted ? 1 : 0,
        null,
        o.reason,
        null,
        null,
        o.code,
        cut(o.detail),
      );
    case 'expired':
      return row(o, null, null, o.attempted ? 1 : 0, null, null, null, null, null, o.reason);
    case 'skipped':
      return row(o, 'skipped', null, 0, null, o.reason, null, null, null, null);
    case 'rescheduled':
      return row(o, 'pending', o.runAt, 0, null, o.reason, null, null, null, null);
    case 'deferred':
      return row(o, 'pending', o.runAt, 0, null, null, null, null, null, null);
  }
}

function cut(detail: string): string {
  return detail.slice(0, 500);
}

function row(
  o: SendOutcome,
  status: OutcomeRow['status'],
  runAt: Date | null,
  attempted: number,
  sentAt: Date | null,
  reason: string | null,
  providerMessageId: string | null,
  segments: number | null,
  code: string | null,
  detail: string | null,
): OutcomeRow {
  return {
    reminder_id: o.reminderId,
    message_id: o.messageId,
    kind: o.kind,
    status,
    run_at: runAt,
    attempted,
    sent_at: sentAt,
    reason,
    provider_message_id: providerMessageId,
    segments,
    code,
    detail,
  };
}

/**
 * Every outcome of a batch in one statement, so one round trip and one commit:
 * - reminders change only while this instance still holds them (`leased_by`): a process whose
 *   lease ran out (a long pause, then it wakes up) cannot overwrite the outcome of the instance
 *   that re-claimed the reminder;
 * - a message row records what happened at the provider (`attempted`) lease or no lease, on a
 *   row still open (`pending`, or `unknown` once its lease was settled for a dead owner): a
 *   text the provider accepted was sent, and a delivery callback that got there first is never
 *   undone; every other change (due again, expired) needs this instance's lease;
 * - a reminder's text goes out as a fresh row per attempt: its row of a failed attempt is
 *   `failed`, and one the rate cap kept from ever reaching the provider is removed; any other
 *   text keeps one row that goes back to `pending` until it is sent, fails or expires.
 *
 * The statement is prepared once per connection (namedQuery), and PostgreSQL soon plans it
 * generically: it then takes json_to_recordset for 100 rows and joins each table to it by
 * hash over a sequential scan (every reminder and every message read for one outcome). Each
 * table is therefore also asked for its ids with `= ANY`, which it answers from its primary
 * key whatever the estimate. A batch without reminders (answers, staff texts) runs the
 * statement without the reminders' part, so their statement trigger does not run for nothing.
 */
const VALUES = `
  v AS (
    SELECT * FROM json_to_recordset($2::json) AS v(reminder_id uuid, message_id uuid, kind text,
      status text, run_at timestamptz, attempted int, sent_at timestamptz, reason text,
      provider_message_id text, segments int, code text, detail text)
  )`;
const REMINDER = `
  reminder AS (
    UPDATE reminders r
    SET status = v.status,
        run_at = coalesce(v.run_at, r.run_at),
        attempts = r.attempts + v.attempted,
        -- held back and sent back unsent: it was admitted under the daily cap, not again
        cap_admitted = r.cap_admitted OR v.kind = 'deferred',
        lease_until = NULL,
        -- kept on a final row: which instance sent it
        leased_by = CASE WHEN v.status = 'pending' THEN NULL ELSE r.leased_by END,
        sent_at = coalesce(v.sent_at, r.sent_at),
        message_id = CASE WHEN v.kind = 'sent' THEN v.message_id ELSE r.message_id END,
        reason = v.reason,
        updated_at = now()
    FROM v
    -- lease_until is set exactly while status = 'sending' (a CHECK says so); asking for it
    -- rather than for the status keeps the planner on the primary key, off the partial index
    -- of leases, which collects dead entries quickly under load.
    WHERE r.id = ANY($3::uuid[]) AND r.id = v.reminder_id AND r.lease_until IS NOT NULL
      AND r.leased_by = $1
    RETURNING r.id
  )`;
const MESSAGE = `
  message AS (
    UPDATE messages msg
    SET status = CASE
          WHEN v.kind = 'sent' THEN 'queued'
          WHEN v.kind = 'expired' THEN 'expired'
          WHEN v.kind IN ('retried', 'deferred') AND v.reminder_id IS NULL THEN 'pending'
          ELSE 'failed' END,
        run_at = coalesce(v.run_at, msg.run_at),
        -- an unknown row already counted the attempt its dead owner may have made
        attempts = msg.attempts + CASE WHEN msg.status = 'unknown' THEN 0 ELSE v.attempted END,
        cap_admitted = msg.cap_admitted OR v.kind = 'deferred',
        lease_until = NULL,
        leased_by = CASE WHEN v.kind IN ('retried', 'deferred') THEN NULL ELSE msg.leased_by END,
        provider_message_id = coalesce(v.provider_message_id, msg.provider_message_id),
        segments = coalesce(v.segments, msg.segments),
        sent_at = coalesce(v.sent_at, msg.sent_at),
        error_code = v.code,
        error_detail = v.detail,
        updated_at = now()
    FROM v
    WHERE msg.id = ANY($4::uuid[]) AND msg.id = v.message_id
      AND NOT (v.kind = 'deferred' AND v.reminder_id IS NOT NULL)
      AND CASE WHEN v.attempted = 1 THEN msg.status IN ('pending', 'unknown')
               ELSE msg.status = 'pending' AND msg.leased_by = $1 END
    RETURNING msg.id, v.reminder_id
  )`;
const UNSENT = `
  unsent AS (
    DELETE FROM messages msg USING v
    WHERE msg.id = ANY($4::uuid[]) AND v.kind = 'deferred' AND v.reminder_id IS NOT NULL
      AND msg.id = v.message_id AND msg.status = 'pending' AND msg.provider_message_id IS NULL
  )`;
const APPLY_SQL = `
  WITH ${VALUES}, ${REMINDER}, ${MESSAGE}, ${UNSENT}
  -- a reminder's outcome applied when its reminder took it (its text's row follows the same fate)
  SELECT 'r:' || id AS key FROM reminder
  UNION ALL SELECT 'm:' || id FROM message WHERE reminder_id IS NULL`;
/** Texts that are not reminders only ($3 stays, unused: one parameter list for both). */
const APPLY_MESSAGES_SQL = `
  WITH ${VALUES}, ${MESSAGE}
  SELECT 'm:' || id AS key FROM message WHERE reminder_id IS NULL AND $3::uuid[] IS NOT NULL`;

/** The key `apply` returns for an outcome that applied. */
export function appliedKey(o: SendOutcome): string {
  return o.reminderId ? `r:${o.reminderId}` : `m:${o.messageId}`;
}

@Injectable()
export class OutcomesRepository {
  /**
   * Returns the keys (`appliedKey`) of the outcomes that applied: for a reminder, whether this
   * instance still held it; for any other text, whether its message row took the outcome.
   */
  async apply(m: EntityManager, instanceId: string, outcomes: SendOutcome[]): Promise<Set<string>> {
    if (outcomes.length === 0) return new Set();
    const reminderIds = outcomes.flatMap((o) => (o.reminderId ? [o.reminderId] : []));
    const messageIds = outcomes.flatMap((o) => (o.messageId ? [o.messageId] : []));
    const [name, sql] =
      reminderIds.length > 0
        ? ['dispatch_apply_outcomes', APPLY_SQL]
        : ['dispatch_apply_message_outcomes', APPLY_MESSAGES_SQL];
    const result = await namedQuery(m, name, sql, [
      instanceId,
      JSON.stringify(outcomes.map(rowOf)),
      reminderIds,
      messageIds,
    ]);
    return new Set(returningRows<{ key: string }>(result).map((r) => r.key));
  }
}
