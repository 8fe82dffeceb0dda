import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CredentialsVault } from '../../common/crypto/credentials-vault';
import { dueClaimSql } from '../../common/due-work/due-claim';
import { returningRows } from '../../database/returning-rows';
import type { SmsEncoding } from '../../messaging/segments';
import type {
  ProviderCredentials,
  ProviderType,
} from '../../messaging/providers/sms-provider.port';
import { openPathSecret, type ClaimedClinic } from './claimed-reminder';
import { ROUTINE_KINDS, type MessageKind } from '../message-kinds';
import { namedQuery } from '../../database/named-query';

/** A text a producer wrote (anything but a reminder), held by this instance for its lease. */
export interface ClaimedMessage {
  id: string;
  kind: MessageKind;
  priority: number;
  body: string;
  segments: number;
  encoding: SmsEncoding;
  to: string;
  from: string;
  patientId: string | null;
  appointmentId: string | null;
  dueAt: Date;
  expiresAt: Date | null;
  attempts: number;
  /** admitted under the daily cap before and sent back unsent (the sender held back) */
  capAdmitted: boolean;
  /** the recipient has opted out of this clinic's texts */
  optedOut: boolean;
  /** a routine text, and the clinic requires an opt-in on record this recipient lacks */
  lacksConsentEvidence: boolean;
  /** the text confirms a consent change (an opt-out or opt-in) */
  confirmsConsent: boolean;
  /** ... and that change is still the recipient's latest consent event */
  confirmsLatestConsent: boolean;
  clinic: ClaimedClinic;
}

interface ClaimRow {
  id: string;
  kind: MessageKind;
  priority: number;
  body: string;
  segments: number;
  encoding: SmsEncoding;
  to_number: string;
  from_number: string;
  patient_id: string | null;
  appointment_id: string | null;
  run_at: Date;
  expires_at: Date | null;
  attempts: number;
  cap_admitted: boolean;
  opted_out: boolean | null;
  lacks_consent_evidence: boolean;
  confirms_consent_event: string | null;
  confirms_latest: boolean;
  clinic_id: string;
  clinic_name: string;
  clinic_timezone: string;
  provider_type: ProviderType;
  provider_credentials: ProviderCredentials;
  send_rate_per_second: number;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  max_routine_texts: number | null;
  /** as stored: sealed, or `{ flowroutePathSecret }` */
  flowroute_path_secret: unknown;
}

/** Constants of this build, never input: safe to inline. */
const ROUTINE_KIND_LIST = ROUTINE_KINDS.map((k) => `'${k}'`).join(', ');

/**
 * Producers' texts due now, answers first. Opt-out is read here, at the last moment, from the
 * recipient's number (a text may be for a number no appointment names yet).
 */
const CLAIM_SQL = dueClaimSql({
  table: 'messages',
  due: `t.status = 'pending' AND t.direction = 'outbound' AND t.lease_until IS NULL
    AND t.run_at <= $1`,
  order: 't.priority, t.run_at',
  join: { from: 'clinics cl', on: 'cl.id = w.clinic_id' },
  returning: `w.id, w.kind, w.priority, w.body, w.segments, w.encoding, w.to_number,
    w.from_number, w.patient_id, w.appointment_id, w.run_at, w.expires_at, w.attempts, w.cap_admitted,
    w.confirms_consent_event, (SELECT p.opted_out_at IS NOT NULL FROM patients p
     WHERE p.clinic_id = w.clinic_id AND p.phone = w.to_number) AS opted_out,
    (w.kind IN (${ROUTINE_KIND_LIST}) AND cl.require_consent_evidence AND NOT EXISTS (
      SELECT 1 FROM consent_events ce JOIN patients p ON p.id = ce.patient_id
      WHERE p.clinic_id = w.clinic_id AND p.phone = w.to_number AND ce.action = 'opt_in'
    )) AS lacks_consent_evidence,
    coalesce(w.confirms_consent_event = (
      SELECT ce.id FROM consent_events ce JOIN patients p ON p.id = ce.patient_id
      WHERE p.clinic_id = w.clinic_id AND p.phone = w.to_number
      ORDER BY ce.at DESC, ce.id DESC LIMIT 1), false) AS confirms_latest,
    cl.id AS clinic_id, cl.name AS clinic_name, cl.timezone AS clinic_timezone,
    cl.provider_type, cl.provider_credentials, cl.send_rate_per_second,
    cl.flowroute_path_secret, cl.quiet_hours_start, cl.quiet_hours_end,
    cl.max_routine_texts_per_patient_per_day AS max_routine_texts`,
});

/**
 * Open texts whose holder's lease ran out: the instance died between writing the row and
 * recording the provider's answer, so the text may or may not have gone out. Settled `unknown`,
 * the attempt counted on the row and on its reminder (which is claimed again on its own).
 */
const SETTLE_ABANDONED_SQL = `
  WITH abandoned AS (
    SELECT id FROM messages
    WHERE status = 'pending' AND direction = 'outbound' AND lease_until < $1
    ORDER BY lease_until
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  ), settled AS (
    UPDATE messages msg
    SET status = 'unknown', attempts = msg.attempts + 1, lease_until = NULL,
        error_detail = 'the sending instance stopped before recording the provider''s answer',
        updated_at = now()
    FROM abandoned a WHERE msg.id = a.id
    RETURNING msg.reminder_id
  ), counted AS (
    UPDATE reminders r SET attempts = r.attempts + 1, updated_at = now()
    FROM settled s WHERE r.id = s.reminder_id
  )
  SELECT count(*)::int AS n FROM settled`;

const NEXT_DUE_SQL = `
  SELECT min(run_at) AS next FROM messages
  WHERE status = 'pending' AND direction = 'outbound' AND lease_until IS NULL AND run_at > $1`;

@Injectable()
export class MessageClaimsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly vault: CredentialsVault,
  ) {}

  async claim(
    instanceId: string,
    now: Date,
    leaseUntil: Date,
    limit: number,
  ): Promise<ClaimedMessage[]> {
    const result = await namedQuery(this.ds, 'outbound_claim', CLAIM_SQL, [
      now,
      leaseUntil,
      instanceId,
      limit,
      false,
    ]);
    return returningRows<ClaimRow>(result).map((r) => toClaimed(r, this.vault));
  }

  /** Returns how many rows it settled. */
  async settleAbandoned(now: Date, limit: number): Promise<number> {
    const rows = await this.ds.query<{ n: number }[]>(SETTLE_ABANDONED_SQL, [now, limit]);
    return rows[0]?.n ?? 0;
  }

  async nextDue(now: Date): Promise<Date | null> {
    const rows = (await namedQuery(this.ds, 'outbound_next_message', NEXT_DUE_SQL, [now])) as {
      next: Date | null;
    }[];
    return rows[0]?.next ?? null;
  }
}

function toClaimed(r: ClaimRow, vault: CredentialsVault): ClaimedMessage {
  return {
    id: r.id,
    kind: r.kind,
    priority: r.priority,
    body: r.body,
    segments: r.segments,
    encoding: r.encoding,
    to: r.to_number,
    from: r.from_number,
    patientId: r.patient_id,
    appointmentId: r.appointment_id,
    dueAt: r.run_at,
    expiresAt: r.expires_at,
    attempts: r.attempts,
    capAdmitted: r.cap_admitted,
    optedOut: r.opted_out === true,
    lacksConsentEvidence: r.lacks_consent_evidence,
    confirmsConsent: r.confirms_consent_event !== null,
    confirmsLatestConsent: r.confirms_latest,
    clinic: {
      id: r.clinic_id,
      name: r.clinic_name,
      timezone: r.clinic_timezone,
      quietHours:
        r.quiet_hours_start && r.quiet_hours_end
          ? { start: r.quiet_hours_start, end: r.quiet_hours_end }
          : null,
      providerType: r.provider_type,
      credentials: r.provider_credentials,
      senderNumber: r.from_number,
      sendRatePerSecond: r.send_rate_per_second,
      flowroutePathSecret: openPathSecret(vault, r.flowroute_path_secret),
      maxRoutineTextsPerDay: r.max_routine_texts,
    },
  };
}
