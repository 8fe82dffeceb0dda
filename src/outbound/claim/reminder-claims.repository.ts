import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CredentialsVault } from '../../common/crypto/credentials-vault';
import type { AppointmentStatus } from '../../appointments/appointment.machine';
import type {
  ProviderCredentials,
  ProviderType,
} from '../../messaging/providers/sms-provider.port';
import { openPathSecret, type ClaimedReminder } from './claimed-reminder';
import { dueClaimSql } from '../../common/due-work/due-claim';
import { KIND_POLICIES } from '../message-kinds';
import type { SendJob } from '../send/send-job';
import type { CapAsk } from './daily-cap';
import { ADMIT_CTES } from './daily-caps.repository';
import { namedQuery } from '../../database/named-query';
import { returningRows } from '../../database/returning-rows';

interface ClaimRow {
  id: string;
  due_at: Date;
  run_at: Date;
  planned_for: Date;
  attempts: number;
  cap_admitted: boolean;
  appointment_id: string;
  appointment_status: AppointmentStatus;
  starts_at: Date;
  patient_id: string;
  patient_phone: string;
  patient_language: string;
  patient_timezone: string | null;
  patient_opted_out: boolean;
  skip_when_confirmed: boolean;
  lacks_consent_evidence: boolean;
  variant_templates: Partial<Record<string, string>> | null;
  clinic_id: string;
  clinic_name: string;
  clinic_timezone: string;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  provider_type: ProviderType;
  provider_credentials: ProviderCredentials;
  sender_number: string;
  send_rate_per_second: number;
  max_routine_texts: number | null;
  /** as stored: sealed, or `{ flowroutePathSecret }` */
  flowroute_path_secret: unknown;
}

/**
 * Due reminders, claimed as due work (see dueClaimSql) with what the re-check and the text need.
 * `$6` is the claim's horizon: reminders due up to then (a little after now) are taken too, to be
 * held until their time (see OutboundDispatcher), so the claim's round trip is made before they
 * are due rather than after. A `sending` row whose lease ran out belongs to an instance that
 * died: it is claimable again.
 */
const CLAIM_SQL = dueClaimSql({
  table: 'reminders',
  due: `t.status = 'pending' AND t.run_at <= $6`,
  order: 't.run_at',
  expired: { where: `t.status = 'sending' AND t.lease_until < $1`, order: 't.lease_until' },
  set: `status = 'sending', updated_at = now()`,
  join: {
    from: 'appointments a, patients p, clinics cl',
    on: 'a.id = w.appointment_id AND p.id = a.patient_id AND cl.id = w.clinic_id',
  },
  returning: `w.id, w.due_at, w.run_at, w.planned_for, w.attempts, w.cap_admitted, w.appointment_id,
    a.status AS appointment_status, a.starts_at,
    p.id AS patient_id, p.phone AS patient_phone, p.language AS patient_language,
    p.timezone AS patient_timezone, p.opted_out_at IS NOT NULL AS patient_opted_out,
    w."offset" = ANY(cl.skip_when_confirmed) AS skip_when_confirmed,
    cl.require_consent_evidence AND NOT EXISTS (
      SELECT 1 FROM consent_events ce WHERE ce.patient_id = p.id AND ce.action = 'opt_in'
    ) AS lacks_consent_evidence,
    (SELECT e.variants -> ea.variant_index -> 'templates'
     FROM experiment_assignments ea JOIN experiments e ON e.id = ea.experiment_id
     WHERE ea.appointment_id = w.appointment_id) AS variant_templates,
    cl.id AS clinic_id, cl.name AS clinic_name, cl.timezone AS clinic_timezone,
    cl.quiet_hours_start, cl.quiet_hours_end, cl.provider_type, cl.provider_credentials,
    cl.sender_number, cl.send_rate_per_second, cl.flowroute_path_secret,
    cl.max_routine_texts_per_patient_per_day AS max_routine_texts`,
});

/**
 * Reminders' texts, written already held under the reminders' lease by this instance, those over
 * the patient's daily cap left out (ADMIT_CTES: the cap's counter is taken from in this same
 * statement, so the cap costs the hot path no round trip). Returns the reminders left out.
 */
const INSERT_MESSAGES_SQL = `
  WITH v AS (
    SELECT * FROM json_to_recordset($1::json) AS v(id uuid, clinic_id uuid, patient_id uuid,
      appointment_id uuid, body text, segments int, encoding text, from_number text,
      to_number text, provider_type text, due_at timestamptz, expires_at timestamptz,
      reminder_id uuid, day date, cap int, ord int)
  ), asks AS (
    SELECT reminder_id::text AS key, patient_id, day, cap, ord FROM v
  ), ${ADMIT_CTES}, written AS (
    INSERT INTO messages (id, clinic_id, patient_id, appointment_id, direction, kind, body,
      status, segments, encoding, from_number, to_number, provider_type, created_at, run_at,
      lease_until, leased_by, priority, expires_at, reminder_id)
    SELECT v.id, v.clinic_id, v.patient_id, v.appointment_id, 'outbound', 'reminder', v.body,
           'pending', v.segments, v.encoding, v.from_number, v.to_number, v.provider_type, $2,
           v.due_at, $3, $4, $5, v.expires_at, v.reminder_id
    FROM v JOIN admitted a ON a.key = v.reminder_id::text
  )
  SELECT v.reminder_id FROM v
  WHERE NOT EXISTS (SELECT 1 FROM admitted a WHERE a.key = v.reminder_id::text)`;

/**
 * What may have stopped claimed reminders since their claim, read by primary key: a reminder
 * taken ahead of its time is read again just before it is released to send.
 */
const RECHECK_SQL = `
  SELECT r.id, a.status AS appointment_status, a.starts_at, r.planned_for,
         p.opted_out_at IS NOT NULL AS patient_opted_out,
         r."offset" = ANY(cl.skip_when_confirmed) AS skip_when_confirmed
  FROM reminders r
  JOIN appointments a ON a.id = r.appointment_id
  JOIN patients p ON p.id = a.patient_id
  JOIN clinics cl ON cl.id = r.clinic_id
  WHERE r.id = ANY($1::uuid[])`;

/** The earliest pending reminder due after `now`: when the pipeline should look again. */
const NEXT_DUE_SQL = `
  SELECT min(run_at) AS next FROM reminders WHERE status = 'pending' AND run_at > $1`;

export interface RecheckedReminder {
  id: string;
  appointmentStatus: AppointmentStatus;
  startsAt: Date;
  plannedFor: Date;
  optedOut: boolean;
  skipWhenConfirmed: boolean;
}

@Injectable()
export class ReminderClaimsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly vault: CredentialsVault,
  ) {}

  async claim(
    instanceId: string,
    now: Date,
    leaseUntil: Date,
    limit: number,
    includeExpiredLeases = true,
    /** reminders due up to this instant are taken (now when omitted) */
    horizon: Date = now,
  ): Promise<ClaimedReminder[]> {
    const result = await namedQuery(this.ds, 'dispatch_claim', CLAIM_SQL, [
      now,
      leaseUntil,
      instanceId,
      limit,
      includeExpiredLeases,
      horizon,
    ]);
    return returningRows<ClaimRow>(result).map((r) => toClaimed(r, this.vault));
  }

  /**
   * The outbound rows, written before any provider call and held under the reminder's lease: if
   * the process dies mid-send, the lease runs out and the row is settled `unknown` (see
   * MessageClaimsRepository.settleAbandoned): it may or may not have gone out. Those whose
   * `ask` the patient's daily cap refuses are not written; their reminder ids are returned.
   */
  async insertMessages(
    jobs: SendJob[],
    at: Date,
    lease: { until: Date; by: string },
    /** per job (same order): what the daily cap is asked, null when it does not count */
    asks: readonly (CapAsk | null)[] = [],
  ): Promise<Set<string>> {
    if (jobs.length === 0) return new Set();
    const result = await namedQuery(this.ds, 'dispatch_insert_messages', INSERT_MESSAGES_SQL, [
      JSON.stringify(
        jobs.map((j, ord) => ({
          id: j.messageId,
          clinic_id: j.clinic.id,
          patient_id: j.patientId,
          appointment_id: j.appointmentId,
          body: j.sms.body,
          segments: j.segments,
          encoding: j.encoding,
          from_number: j.sms.from,
          to_number: j.sms.to,
          provider_type: j.clinic.providerType,
          due_at: j.dueAt,
          expires_at: j.giveUpAt,
          reminder_id: j.reminderId,
          ...capOf(asks[ord] ?? null, ord),
        })),
      ),
      at,
      lease.until,
      lease.by,
      KIND_POLICIES.reminder.priority,
    ]);
    return new Set((result as { reminder_id: string }[]).map((r) => r.reminder_id));
  }

  async recheck(reminderIds: string[]): Promise<RecheckedReminder[]> {
    const rows = (await namedQuery(this.ds, 'dispatch_recheck', RECHECK_SQL, [reminderIds])) as {
      id: string;
      appointment_status: AppointmentStatus;
      starts_at: Date;
      planned_for: Date;
      patient_opted_out: boolean;
      skip_when_confirmed: boolean;
    }[];
    return rows.map((r) => ({
      id: r.id,
      appointmentStatus: r.appointment_status,
      startsAt: r.starts_at,
      plannedFor: r.planned_for,
      optedOut: r.patient_opted_out,
      skipWhenConfirmed: r.skip_when_confirmed,
    }));
  }

  async nextDue(now: Date): Promise<Date | null> {
    const rows = (await namedQuery(this.ds, 'dispatch_next_reminder', NEXT_DUE_SQL, [now])) as {
      next: Date | null;
    }[];
    return rows[0]?.next ?? null;
  }
}

function capOf(ask: CapAsk | null, ord: number) {
  return ask ? { day: ask.day, cap: ask.cap, ord } : { cap: null };
}

function toClaimed(r: ClaimRow, vault: CredentialsVault): ClaimedReminder {
  return {
    id: r.id,
    dueAt: r.due_at,
    runAt: r.run_at,
    plannedFor: r.planned_for,
    attempts: r.attempts,
    capAdmitted: r.cap_admitted,
    appointmentId: r.appointment_id,
    appointmentStatus: r.appointment_status,
    startsAt: r.starts_at,
    patientId: r.patient_id,
    patientPhone: r.patient_phone,
    patientLanguage: r.patient_language,
    patientTimezone: r.patient_timezone,
    patientOptedOut: r.patient_opted_out,
    skipWhenConfirmed: r.skip_when_confirmed,
    lacksConsentEvidence: r.lacks_consent_evidence,
    variantTemplates: r.variant_templates,
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
      senderNumber: r.sender_number,
      sendRatePerSecond: r.send_rate_per_second,
      flowroutePathSecret: openPathSecret(vault, r.flowroute_path_secret),
      maxRoutineTextsPerDay: r.max_routine_texts,
    },
  };
}
