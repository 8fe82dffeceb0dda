import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  decideAtClaim,
  ReminderClaimsRepository,
  CredentialsVault,
  buildSendJob,
  OutcomesRepository,
  type SmsProvider,
  type ClaimedReminder,
  type SendOutcome,
} from '../../src/bench-seam';

/**
 * What each baseline's workers do for a set of reminders, what the dispatcher does for each:
 * take the reminder under a lease, re-check, render, write the message row, call the same
 * in-process provider, record the outcome, one statement per step for the whole set.
 */
export class BaselineWork {
  private readonly claims: ReminderClaimsRepository;
  private readonly outcomes = new OutcomesRepository();

  constructor(
    private readonly ds: DataSource,
    private readonly provider: SmsProvider,
    private readonly worker: string,
  ) {
    this.claims = new ReminderClaimsRepository(
      ds,
      new CredentialsVault({
        credentialsKey: undefined,
        credentialsKeyPrevious: undefined,
      }),
    );
  }

  handle(ids: string[]): Promise<void> {
    return handle(this.ds, this.claims, this.outcomes, this.provider, ids, this.worker);
  }
}

/** The dispatcher's claim, by id: the reminders pg-boss handed this worker, under a lease. */
const TAKE_SQL = `
  UPDATE reminders r
  SET status = 'sending', lease_until = $2, leased_by = $3, updated_at = now()
  FROM appointments a, patients p, clinics cl
  WHERE r.id = ANY($1::uuid[]) AND r.status = 'pending'
    AND a.id = r.appointment_id AND p.id = a.patient_id AND cl.id = r.clinic_id
  RETURNING r.id, r.due_at, r.planned_for, r.attempts, r.appointment_id,
    a.status AS appointment_status, a.starts_at, p.id AS patient_id, p.phone AS patient_phone,
    p.language AS patient_language, p.timezone AS patient_timezone,
    p.opted_out_at IS NOT NULL AS patient_opted_out, cl.id AS clinic_id, cl.name AS clinic_name,
    cl.timezone AS clinic_timezone, cl.quiet_hours_start, cl.quiet_hours_end, cl.provider_type, cl.provider_credentials, cl.sender_number,
    cl.send_rate_per_second, cl.flowroute_path_secret`;

async function handle(
  ds: DataSource,
  claims: ReminderClaimsRepository,
  outcomes: OutcomesRepository,
  provider: SmsProvider,
  ids: string[],
  worker: string,
): Promise<void> {
  const now = new Date();
  const lease = new Date(now.getTime() + 60_000);
  const result: unknown = await ds.query(TAKE_SQL, [ids, lease, worker]);
  const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : []) as Record<
    string,
    never
  >[];
  const reminders = rows.map(toClaimed);
  const jobs = reminders.flatMap((r) => {
    const decision = decideAtClaim(
      {
        appointmentStatus: r.appointmentStatus,
        startsAt: r.startsAt,
        plannedFor: r.plannedFor,
        optedOut: r.patientOptedOut,
        skipWhenConfirmed: r.skipWhenConfirmed,
        lacksConsentEvidence: false,
        zone: r.patientTimezone ?? r.clinic.timezone,
        quietHours: r.clinic.quietHours,
      },
      now,
    );
    return decision.action === 'send'
      ? [buildSendJob(r, decision.template, now, 'http://localhost', randomUUID())]
      : [];
  });
  await claims.insertMessages(jobs, now, { until: lease, by: worker });
  const results: SendOutcome[] = await Promise.all(
    jobs.map(async (job) => {
      const sent = await provider.send(job.clinic.credentials, job.sms);
      return {
        kind: 'sent' as const,
        messageKind: job.kind,
        reminderId: job.reminderId,
        messageId: job.messageId,
        providerMessageId: sent.providerMessageId,
        segments: sent.segments,
        at: new Date(),
        dueAt: job.dueAt,
      };
    }),
  );
  await outcomes.apply(ds.manager, worker, results);
}

function toClaimed(r: Record<string, never>): ClaimedReminder {
  return {
    id: r.id,
    dueAt: r.due_at,
    runAt: r.due_at,
    plannedFor: r.planned_for,
    attempts: r.attempts,
    capAdmitted: false,
    appointmentId: r.appointment_id,
    appointmentStatus: r.appointment_status,
    startsAt: r.starts_at,
    patientId: r.patient_id,
    patientPhone: r.patient_phone,
    patientLanguage: r.patient_language,
    patientTimezone: r.patient_timezone,
    patientOptedOut: r.patient_opted_out,
    skipWhenConfirmed: false,
    lacksConsentEvidence: false,
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
      maxRoutineTextsPerDay: null,
    },
  };
}
