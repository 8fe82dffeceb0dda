import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppointmentStatus } from '../../appointments/appointment.machine';
import type {
  ProviderCredentials,
  ProviderType,
} from '../../messaging/providers/sms-provider.port';
import type { ClaimedReminder } from './claimed-reminder';
import type { SendJob } from './outbound-reminder';
import { namedQuery } from './named-query';
import { returningRows } from '../../database/returning-rows';

interface ClaimRow {
  id: string;
  due_at: Date;
  planned_for: Date;
  attempts: number;
  appointment_id: string;
  appointment_status: AppointmentStatus;
  starts_at: Date;
  patient_id: string;
  patient_phone: string;
  patient_language: string;
  patient_timezone: string | null;
  patient_opted_out: boolean;
  clinic_id: string;
  clinic_name: string;
  clinic_timezone: string;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  provider_type: ProviderType;
  provider_credentials: ProviderCredentials;
  sender_number: string;
  send_rate_per_second: number;
  flowroute_path_secret: string | null;
}

/**
 * The claim is one statement, hence one short transaction: lock due rows that no one else has
 * locked (SKIP LOCKED, so instances never wait on each other), mark them ours for the lease,
 * and read back what the re-check and the text need, joined in the same round trip.
 * A `sending` row whose lease ran out belongs to an instance that died: it is claimable again.
 * Looking for those is asked for only now and then ($5): the index of leases holds an entry for
 * every lease ever taken until vacuum removes it, and a minute after a busy spell walking past
 * them at every claim would cost more than all the rest of the claim.
 */
const CLAIM_SQL = `
  WITH due AS (
    SELECT id FROM reminders
    WHERE status = 'pending' AND run_at <= $1
    ORDER BY run_at
    LIMIT $4
    FOR UPDATE SKIP LOCKED
  ), expired AS (
    SELECT id FROM reminders
    WHERE $5::boolean AND status = 'sending' AND lease_until < $1
    ORDER BY lease_until
    LIMIT $4
    FOR UPDATE SKIP LOCKED
  ), claimed AS (
    SELECT id FROM due UNION SELECT id FROM expired LIMIT $4
  )
  UPDATE reminders r
  SET status = 'sending', lease_until = $2, leased_by = $3, updated_at = now()
  FROM claimed c, appointments a, patients p, clinics cl
  WHERE r.id = c.id AND a.id = r.appointment_id AND p.id = a.patient_id AND cl.id = r.clinic_id
  RETURNING r.id, r.due_at, r.planned_for, r.attempts, r.appointment_id,
    a.status AS appointment_status, a.starts_at,
    p.id AS patient_id, p.phone AS patient_phone, p.language AS patient_language,
    p.timezone AS patient_timezone, p.opted_out_at IS NOT NULL AS patient_opted_out,
    cl.id AS clinic_id, cl.name AS clinic_name, cl.timezone AS clinic_timezone,
    cl.quiet_hours_start, cl.quiet_hours_end, cl.provider_type, cl.provider_credentials,
    cl.sender_number, cl.send_rate_per_second, cl.flowroute_path_secret`;

const INSERT_MESSAGES_SQL = `
  INSERT INTO messages (id, clinic_id, patient_id, appointment_id, direction, kind, body,
    status, segments, encoding, from_number, to_number, provider_type, created_at)
  SELECT v.id, v.clinic_id, v.patient_id, v.appointment_id, 'outbound', 'reminder', v.body,
         'pending', v.segments, v.encoding, v.from_number, v.to_number, v.provider_type, $2
  FROM json_to_recordset($1::json) AS v(id uuid, clinic_id uuid, patient_id uuid,
    appointment_id uuid, body text, segments int, encoding text, from_number text,
    to_number text, provider_type text)`;

@Injectable()
export class ClaimsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async claim(
    instanceId: string,
    now: Date,
    leaseUntil: Date,
    limit: number,
    includeExpiredLeases = true,
  ): Promise<ClaimedReminder[]> {
    const result = await namedQuery(this.ds, 'dispatch_claim', CLAIM_SQL, [
      now,
      leaseUntil,
      instanceId,
      limit,
      includeExpiredLeases,
    ]);
    return returningRows<ClaimRow>(result).map(toClaimed);
  }

  /**
   * The outbound rows, written before any provider call: if the process dies mid-send, a
   * `pending` message without a provider id is the evidence of what may have gone out.
   */
  async insertMessages(jobs: SendJob[], at: Date): Promise<void> {
    if (jobs.length === 0) return;
    await namedQuery(this.ds, 'dispatch_insert_messages', INSERT_MESSAGES_SQL, [
      JSON.stringify(
        jobs.map((j) => ({
          id: j.messageId,
          clinic_id: j.reminder.clinic.id,
          patient_id: j.reminder.patientId,
          appointment_id: j.reminder.appointmentId,
          body: j.sms.body,
          segments: j.segments,
          encoding: j.encoding,
          from_number: j.sms.from,
          to_number: j.sms.to,
          provider_type: j.reminder.clinic.providerType,
        })),
      ),
      at,
    ]);
  }
}

function toClaimed(r: ClaimRow): ClaimedReminder {
  return {
    id: r.id,
    dueAt: r.due_at,
    plannedFor: r.planned_for,
    attempts: r.attempts,
    appointmentId: r.appointment_id,
    appointmentStatus: r.appointment_status,
    startsAt: r.starts_at,
    patientId: r.patient_id,
    patientPhone: r.patient_phone,
    patientLanguage: r.patient_language,
    patientTimezone: r.patient_timezone,
    patientOptedOut: r.patient_opted_out,
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
      flowroutePathSecret: r.flowroute_path_secret,
    },
  };
}
