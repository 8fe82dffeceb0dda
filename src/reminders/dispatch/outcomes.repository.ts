import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ReminderOutcome } from './outcomes';
import { namedQuery } from './named-query';
import { returningRows } from '../../database/returning-rows';

/** One outcome as the statement reads it. */
interface OutcomeRow {
  id: string;
  kind: ReminderOutcome['kind'];
  status: 'pending' | 'sent' | 'failed' | 'skipped';
  run_at: Date | null;
  /** 1 when this outcome followed a provider call */
  attempted: number;
  sent_at: Date | null;
  reason: string | null;
  message_id: string | null;
  provider_message_id: string | null;
  segments: number | null;
  code: string | null;
  detail: string | null;
}

function rowOf(o: ReminderOutcome): OutcomeRow {
  const base = {
    id: o.reminderId,
    kind: o.kind,
    run_at: null,
    attempted: 0,
    sent_at: null,
    reason: null,
    message_id: null,
    provider_message_id: null,
    segments: null,
    code: null,
    detail: null,
  };
  switch (o.kind) {
    case 'sent':
      return {
        ...base,
        status: 'sent',
        attempted: 1,
        sent_at: o.at,
        message_id: o.messageId,
        provider_message_id: o.providerMessageId,
        segments: o.segments,
      };
    case 'retried':
      return {
        ...base,
        status: 'pending',
        run_at: o.runAt,
        attempted: 1,
        reason: o.reason,
        message_id: o.messageId,
        code: o.code,
        detail: o.detail.slice(0, 500),
      };
    case 'failed':
      return {
        ...base,
        status: 'failed',
        attempted: o.messageId ? 1 : 0,
        reason: o.reason,
        message_id: o.messageId,
        code: o.code,
        detail: o.detail.slice(0, 500),
      };
    case 'skipped':
      return { ...base, status: 'skipped', reason: o.reason };
    case 'rescheduled':
      return { ...base, status: 'pending', run_at: o.runAt, reason: o.reason };
    case 'deferred':
      return { ...base, status: 'pending', run_at: o.runAt, message_id: o.messageId };
  }
}

/**
 * Every outcome of a batch in one statement, so one round trip and one commit:
 * - reminders change only while this instance still holds them (`leased_by`): a process whose
 *   lease ran out (a long pause, then it wakes up) cannot overwrite the outcome of the instance
 *   that re-claimed the reminder;
 * - message rows record what happened at the provider, lease or no lease (a text the provider
 *   accepted was sent), and only a `pending` row moves, so a delivery callback that got there
 *   first is never undone;
 * - a message row the rate cap kept from ever reaching the provider is removed: nothing
 *   happened that needs recording.
 */
const APPLY_SQL = `
  WITH v AS (
    SELECT * FROM json_to_recordset($2::json) AS v(id uuid, kind text, status text,
      run_at timestamptz, attempted int, sent_at timestamptz, reason text, message_id uuid,
      provider_message_id text, segments int, code text, detail text)
  ), reminder AS (
    UPDATE reminders r
    SET status = v.status,
        run_at = coalesce(v.run_at, r.run_at),
        attempts = r.attempts + v.attempted,
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
    WHERE r.id = v.id AND r.lease_until IS NOT NULL AND r.leased_by = $1
    RETURNING r.id
  ), message AS (
    UPDATE messages msg
    SET status = CASE WHEN v.kind = 'sent' THEN 'queued' ELSE 'failed' END,
        provider_message_id = v.provider_message_id,
        segments = coalesce(v.segments, msg.segments),
        sent_at = v.sent_at,
        error_code = v.code,
        error_detail = v.detail,
        updated_at = now()
    FROM v
    WHERE v.kind IN ('sent', 'retried', 'failed') AND msg.id = v.message_id
      AND msg.status = 'pending'
  ), unsent AS (
    DELETE FROM messages msg USING v
    WHERE v.kind = 'deferred' AND msg.id = v.message_id
      AND msg.status = 'pending' AND msg.provider_message_id IS NULL
  )
  SELECT id FROM reminder`;

@Injectable()
export class OutcomesRepository {
  /** Returns the ids of the reminders this instance still held, whose outcome applied. */
  async apply(
    m: EntityManager,
    instanceId: string,
    outcomes: ReminderOutcome[],
  ): Promise<Set<string>> {
    if (outcomes.length === 0) return new Set();
    const result = await namedQuery(m, 'dispatch_apply_outcomes', APPLY_SQL, [
      instanceId,
      JSON.stringify(outcomes.map(rowOf)),
    ]);
    return new Set(returningRows<{ id: string }>(result).map((r) => r.id));
  }
}
