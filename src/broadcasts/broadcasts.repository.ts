import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LIVE_STATUSES } from '../appointments/appointment.machine';
import { AppointmentRow, SELECT_WITH_PATIENT } from '../appointments/appointments.repository';

/** Which appointments a broadcast is about: live, starting in the local day, matching. */
export interface BroadcastScope {
  clinicId: string;
  startsFrom: Date;
  startsBefore: Date;
  practitioner: string | null;
  location: string | null;
}

export interface BroadcastRow {
  id: string;
  clinic_id: string;
  request_hash: string;
  date: string;
  starts_from: Date;
  starts_before: Date;
  practitioner: string | null;
  location: string | null;
  body: string;
  segments: number;
  cancel_appointments: boolean;
  recipients: number;
  opted_out: number;
  appointments: number;
  created_at: Date;
}

export interface BroadcastInsert {
  clinicId: string;
  idempotencyKey: string | null;
  requestHash: string;
  date: string;
  scope: BroadcastScope;
  body: string;
  segments: number;
  cancelAppointments: boolean;
  at: Date;
}

export interface ClaimedRecipient {
  broadcast_id: string;
  clinic_id: string;
  patient_id: string;
  opted_out: boolean;
  phone: string;
}

const SCOPE = `a.clinic_id = $1 AND a.status = ANY($2::text[])
  AND a.starts_at >= $3 AND a.starts_at < $4
  AND ($5::text IS NULL OR a.practitioner = $5) AND ($6::text IS NULL OR a.location = $6)`;

const scopeParams = (s: BroadcastScope) => [
  s.clinicId,
  LIVE_STATUSES,
  s.startsFrom,
  s.startsBefore,
  s.practitioner,
  s.location,
];

const BROADCAST_COLUMNS = `id, clinic_id, request_hash, to_char(date, 'YYYY-MM-DD') AS date,
  starts_from, starts_before, practitioner, location, body, segments, cancel_appointments,
  recipients, opted_out, appointments, created_at`;

@Injectable()
export class BroadcastsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Patients to text (each once), opted-out patients, and appointments in scope. */
  async count(
    scope: BroadcastScope,
  ): Promise<{ recipients: number; optedOut: number; appointments: number }> {
    const [row] = await this.ds.query<
      { recipients: number; opted_out: number; appointments: number }[]
    >(
      `SELECT count(DISTINCT a.patient_id) FILTER (WHERE p.opted_out_at IS NULL)::int AS recipients,
              count(DISTINCT a.patient_id) FILTER (WHERE p.opted_out_at IS NOT NULL)::int
                AS opted_out,
              count(*)::int AS appointments
       FROM appointments a JOIN patients p ON p.id = a.patient_id
       WHERE ${SCOPE}`,
      scopeParams(scope),
    );
    return { recipients: row.recipients, optedOut: row.opted_out, appointments: row.appointments };
  }

  async findByKey(m: EntityManager, clinicId: string, key: string): Promise<BroadcastRow | null> {
    const rows = await m.query<BroadcastRow[]>(
      `SELECT ${BROADCAST_COLUMNS} FROM broadcasts WHERE clinic_id = $1 AND idempotency_key = $2`,
      [clinicId, key],
    );
    return rows[0] ?? null;
  }

  async find(clinicId: string, id: string): Promise<BroadcastRow | null> {
    const rows = await this.ds.query<BroadcastRow[]>(
      `SELECT ${BROADCAST_COLUMNS} FROM broadcasts WHERE clinic_id = $1 AND id = $2`,
      [clinicId, id],
    );
    return rows[0] ?? null;
  }

  /**
   * The broadcast and one recipient row per patient in scope, one statement each; its id, or
   * null when another request with the same key got there first (its transaction committed).
   */
  async insert(m: EntityManager, b: BroadcastInsert): Promise<string | null> {
    const made = await m.query<{ id: string }[]>(
      `INSERT INTO broadcasts (clinic_id, idempotency_key, request_hash, date, starts_from,
         starts_before, practitioner, location, body, segments, cancel_appointments, recipients,
         opted_out, appointments, created_at)
       VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8, $9, $10, $11, 0, 0, 0, $12)
       ON CONFLICT (clinic_id, idempotency_key) DO NOTHING
       RETURNING id`,
      [
        b.clinicId,
        b.idempotencyKey,
        b.requestHash,
        b.date,
        b.scope.startsFrom,
        b.scope.startsBefore,
        b.scope.practitioner,
        b.scope.location,
        b.body,
        b.segments,
        b.cancelAppointments,
        b.at,
      ],
    );
    if (made.length === 0) return null;
    const id = made[0].id;
    await m.query(
      `WITH scoped AS (
         SELECT a.patient_id, bool_or(p.opted_out_at IS NOT NULL) AS opted_out, count(*) AS n
         FROM appointments a JOIN patients p ON p.id = a.patient_id
         WHERE ${SCOPE}
         GROUP BY a.patient_id),
       written AS (
         INSERT INTO broadcast_recipients (broadcast_id, clinic_id, patient_id, opted_out)
         SELECT $7, $1, patient_id, opted_out FROM scoped)
       UPDATE broadcasts SET
         recipients = (SELECT count(*) FROM scoped WHERE NOT opted_out),
         opted_out = (SELECT count(*) FROM scoped WHERE opted_out),
         appointments = (SELECT coalesce(sum(n), 0) FROM scoped)
       WHERE id = $7`,
      [...scopeParams(b.scope), id],
    );
    return id;
  }

  /** Recipients not handled yet, oldest broadcast first, locked (SKIP LOCKED). */
  async claim(m: EntityManager, limit: number): Promise<ClaimedRecipient[]> {
    return m.query(
      `SELECT r.broadcast_id, r.clinic_id, r.patient_id, r.opted_out, p.phone
       FROM broadcast_recipients r
       JOIN broadcasts b ON b.id = r.broadcast_id
       JOIN patients p ON p.clinic_id = r.clinic_id AND p.id = r.patient_id
       WHERE r.done_at IS NULL
       ORDER BY b.created_at, r.patient_id
       LIMIT $1
       FOR UPDATE OF r SKIP LOCKED`,
      [limit],
    );
  }

  async byIds(m: EntityManager, ids: string[]): Promise<BroadcastRow[]> {
    return m.query(`SELECT ${BROADCAST_COLUMNS} FROM broadcasts WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** The patients' live appointments in the broadcast's scope, locked for the cancellation. */
  async lockAppointments(
    m: EntityManager,
    scope: BroadcastScope,
    patientIds: string[],
  ): Promise<AppointmentRow[]> {
    return m.query(
      `${SELECT_WITH_PATIENT}
       WHERE ${SCOPE} AND a.patient_id = ANY($7::uuid[])
       ORDER BY a.id
       FOR UPDATE OF a`,
      [...scopeParams(scope), patientIds],
    );
  }

  async markDone(
    m: EntityManager,
    broadcastId: string,
    done: { patientId: string; messageId: string | null }[],
    at: Date,
  ): Promise<void> {
    await m.query(
      `UPDATE broadcast_recipients r SET done_at = $2, message_id = v.message_id
       FROM unnest($3::uuid[], $4::uuid[]) AS v(patient_id, message_id)
       WHERE r.broadcast_id = $1 AND r.patient_id = v.patient_id`,
      [broadcastId, at, done.map((d) => d.patientId), done.map((d) => d.messageId)],
    );
  }

  async anyLeft(): Promise<boolean> {
    const rows = await this.ds.query(
      `SELECT 1 FROM broadcast_recipients WHERE done_at IS NULL LIMIT 1`,
    );
    return rows.length > 0;
  }

  /** Patients handled, and the broadcast's texts by message status. */
  async progress(
    id: string,
  ): Promise<{ processed: number; left: number; statuses: Record<string, number> }> {
    const rows = await this.ds.query<{ status: string | null; n: number; done: boolean }[]>(
      `SELECT m.status, (r.done_at IS NOT NULL) AS done, count(*)::int AS n
       FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id
       WHERE r.broadcast_id = $1
       GROUP BY 1, 2`,
      [id],
    );
    const statuses: Record<string, number> = {};
    let processed = 0;
    let left = 0;
    for (const r of rows) {
      if (r.done) processed += r.n;
      else left += r.n;
      if (r.status) statuses[r.status] = (statuses[r.status] ?? 0) + r.n;
    }
    return { processed, left, statuses };
  }
}
