import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DueSignals } from '../common/due-work/due-signals';
import { namedQuery } from '../database/named-query';
import { returningRows } from '../database/returning-rows';
import type { AppointmentStatus } from './appointment.machine';
import type { ExistingAppointment } from './import-decision';

export interface AppointmentWrite {
  id?: string;
  externalId: string;
  patientId: string;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  practitioner: string | null;
  location: string | null;
  type: string | null;
  status: AppointmentStatus;
}

/** Who caused a status change, as the history records it. */
export type EventSource = 'patient' | 'staff' | 'system' | 'import';

export interface HistoryWrite {
  appointmentId: string;
  at: Date;
  event: string;
  from: string | null;
  to: string;
  source: EventSource;
  detail?: Record<string, unknown> | null;
}

export interface AppointmentRow {
  id: string;
  clinic_id: string;
  external_id: string;
  patient_id: string;
  starts_at: Date;
  ends_at: Date;
  duration_minutes: number;
  practitioner: string | null;
  location: string | null;
  type: string | null;
  status: AppointmentStatus;
  version: number;
  patient_name: string;
  patient_phone: string;
  patient_language: 'en' | 'es';
  patient_timezone: string | null;
  patient_opted_out_at: Date | null;
  /** the waitlist entry Turnout booked it from */
  filled_from?: string | null;
  /** the missed appointment it re-books */
  rebook_of?: string | null;
}

/**
 * The due-work kind (and signal) of the missed-visit follow-up: a visit marked no-show while the
 * clinic follows them up wakes it for the follow-up's due time.
 */
export const MISSED_VISIT_WORK = 'missed-visit';

/** An appointment Turnout itself books (from the waitlist, or after a missed visit). */
export interface BookedWrite {
  patientId: string;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  practitioner: string;
  location: string | null;
  type: string | null;
  filledFrom: string | null;
  rebookOf: string | null;
}

export interface ListFilter {
  from?: Date;
  to?: Date;
  status?: AppointmentStatus;
  externalId?: string;
  after?: { startsAt: Date; id: string };
  limit: number;
}

/** An appointment as AppointmentRow, `a` joined with its patient `p`: add WHERE (and locks). */
export const SELECT_WITH_PATIENT = `
  SELECT a.id, a.clinic_id, a.external_id, a.patient_id, a.starts_at, a.ends_at,
         a.duration_minutes, a.practitioner, a.location, a.type, a.status, a.version,
         p.name AS patient_name, p.phone AS patient_phone, p.language AS patient_language,
         p.timezone AS patient_timezone, p.opted_out_at AS patient_opted_out_at,
         a.filled_from, a.rebook_of
  FROM appointments a JOIN patients p ON p.id = a.patient_id`;

@Injectable()
export class AppointmentsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Locks the clinic's existing appointments with these external ids for the upsert. */
  async lockByExternalIds(
    manager: EntityManager,
    clinicId: string,
    externalIds: string[],
  ): Promise<Map<string, ExistingAppointment>> {
    const rows: {
      id: string;
      external_id: string;
      patient_id: string;
      starts_at: Date;
      duration_minutes: number;
      practitioner: string | null;
      location: string | null;
      type: string | null;
      status: AppointmentStatus;
      last_source: string | null;
    }[] = await manager.query(
      `SELECT a.id, a.external_id, a.patient_id, a.starts_at, a.duration_minutes, a.practitioner,
              a.location, a.type, a.status,
              (SELECT e.source FROM appointment_events e
                WHERE e.appointment_id = a.id ORDER BY e.id DESC LIMIT 1) AS last_source
       FROM appointments a
       WHERE a.clinic_id = $1 AND a.external_id = ANY($2::text[])
       ORDER BY a.id
       FOR UPDATE OF a`,
      [clinicId, externalIds],
    );
    return new Map(
      rows.map((r) => [
        r.external_id,
        {
          id: r.id,
          externalId: r.external_id,
          patientId: r.patient_id,
          startsAt: r.starts_at,
          durationMinutes: r.duration_minutes,
          practitioner: r.practitioner,
          location: r.location,
          type: r.type,
          status: r.status,
          lastSource: r.last_source,
        },
      ]),
    );
  }

  /** Inserts in one statement; returns ids by external id. */
  async insertMany(
    manager: EntityManager,
    clinicId: string,
    rows: AppointmentWrite[],
    machineVersion: number,
  ): Promise<Map<string, string>> {
    const inserted: { id: string; external_id: string }[] = await manager.query(
      `INSERT INTO appointments (clinic_id, external_id, patient_id, starts_at, ends_at,
         duration_minutes, practitioner, location, type, status, machine_version)
       SELECT $1, v.external_id, v.patient_id, v.starts_at, v.ends_at, v.duration_minutes,
              v.practitioner, v.location, v.type, v.status, $3
       FROM json_to_recordset($2::json)
         AS v(external_id text, patient_id uuid, starts_at timestamptz, ends_at timestamptz,
              duration_minutes int, practitioner text, location text, type text, status text)
       RETURNING id, external_id`,
      [clinicId, JSON.stringify(rows.map(toRecord)), machineVersion],
    );
    return new Map(inserted.map((r) => [r.external_id, r.id]));
  }

  async updateMany(
    manager: EntityManager,
    clinicId: string,
    rows: (AppointmentWrite & { id: string })[],
  ): Promise<void> {
    await manager.query(
      `UPDATE appointments a SET patient_id = v.patient_id, starts_at = v.starts_at,
              ends_at = v.ends_at, duration_minutes = v.duration_minutes,
              practitioner = v.practitioner, location = v.location, type = v.type,
              status = v.status, version = a.version + 1, updated_at = now()
       FROM json_to_recordset($2::json)
         AS v(id uuid, patient_id uuid, starts_at timestamptz, ends_at timestamptz,
              duration_minutes int, practitioner text, location text, type text, status text)
       WHERE a.id = v.id AND a.clinic_id = $1`,
      [clinicId, JSON.stringify(rows.map((r) => ({ id: r.id, ...toRecord(r) })))],
    );
  }

  /** Inserts a booked appointment, `turnout-<id>` as its external id; returns its id. */
  async insertBooked(
    m: EntityManager,
    clinicId: string,
    b: BookedWrite,
    status: AppointmentStatus,
    machineVersion: number,
  ): Promise<string> {
    const rows: { id: string }[] = await m.query(
      `WITH made AS (SELECT gen_random_uuid() AS id)
       INSERT INTO appointments (id, clinic_id, external_id, patient_id, starts_at, ends_at,
         duration_minutes, practitioner, location, type, status, machine_version, filled_from,
         rebook_of)
       SELECT made.id, $1, 'turnout-' || made.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
       FROM made
       RETURNING id`,
      [
        clinicId,
        b.patientId,
        b.startsAt,
        b.endsAt,
        b.durationMinutes,
        b.practitioner,
        b.location,
        b.type,
        status,
        machineVersion,
        b.filledFrom,
        b.rebookOf,
      ],
    );
    return rows[0].id;
  }

  async insertHistory(
    manager: EntityManager,
    clinicId: string,
    rows: HistoryWrite[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO appointment_events (clinic_id, appointment_id, at, event, from_status,
         to_status, source, detail)
       SELECT $1, v.appointment_id, v.at, v.event, v.from_status, v.to_status, v.source, v.detail
       FROM json_to_recordset($2::json)
         AS v(appointment_id uuid, at timestamptz, event text, from_status text, to_status text,
              source text, detail jsonb)`,
      [
        clinicId,
        JSON.stringify(
          rows.map((r) => ({
            appointment_id: r.appointmentId,
            at: r.at,
            event: r.event,
            from_status: r.from,
            to_status: r.to,
            source: r.source,
            detail: r.detail ?? null,
          })),
        ),
      ],
    );
  }

  async findById(
    clinicId: string,
    id: string,
    manager?: EntityManager,
  ): Promise<AppointmentRow | null> {
    const rows: AppointmentRow[] = await (manager ?? this.ds.manager).query(
      `${SELECT_WITH_PATIENT} WHERE a.clinic_id = $1 AND a.id = $2`,
      [clinicId, id],
    );
    return rows[0] ?? null;
  }

  async lockById(
    manager: EntityManager,
    clinicId: string,
    id: string,
  ): Promise<AppointmentRow | null> {
    // Named: every patient's text about an appointment starts here.
    const rows = returningRows<AppointmentRow>(
      await namedQuery(
        manager,
        'appointment_lock',
        `${SELECT_WITH_PATIENT} WHERE a.clinic_id = $1 AND a.id = $2 FOR UPDATE OF a`,
        [clinicId, id],
      ),
    );
    return rows[0] ?? null;
  }

  /**
   * Due work: live-but-unattended appointments past their end plus the clinic's grace, locked,
   * skipping rows another instance (or a patient's reply) holds right now. `no_show_candidate`
   * is `status IN ('scheduled', 'confirmed')`, stored: the sweep's index is on it
   * (1795830000000-AppointmentConfirmationsStayHeapOnly).
   */
  async lockDueNoShows(
    manager: EntityManager,
    now: Date,
    limit: number,
  ): Promise<AppointmentRow[]> {
    return manager.query(
      `${SELECT_WITH_PATIENT} JOIN clinics c ON c.id = a.clinic_id
       WHERE a.no_show_candidate AND a.ends_at <= $1
         AND a.ends_at + make_interval(mins => c.no_show_grace_minutes) <= $1
       ORDER BY a.ends_at
       LIMIT $2
       FOR UPDATE OF a SKIP LOCKED`,
      [now, limit],
    );
  }

  /**
   * About when the next appointment becomes a no-show: looked for among the first thousand live
   * ones to end (a longer grace further down the list is found by the engine's poll instead).
   */
  async nextNoShowDue(): Promise<Date | null> {
    const rows: { at: Date | null }[] = await this.ds.query(
      `SELECT min(x.ends_at + make_interval(mins => c.no_show_grace_minutes)) AS at
       FROM (SELECT clinic_id, ends_at FROM appointments
             WHERE no_show_candidate ORDER BY ends_at LIMIT 1000) x
       JOIN clinics c ON c.id = x.clinic_id`,
    );
    return rows[0]?.at ?? null;
  }

  /** Keyset pagination on (starts_at, id): stable under concurrent inserts. */
  async list(clinicId: string, f: ListFilter): Promise<AppointmentRow[]> {
    const where = ['a.clinic_id = $1'];
    const params: unknown[] = [clinicId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.from) add('a.starts_at >= ?', f.from);
    if (f.to) add('a.starts_at < ?', f.to);
    if (f.status) add('a.status = ?', f.status);
    if (f.externalId) add('a.external_id = ?', f.externalId);
    if (f.after) {
      params.push(f.after.startsAt, f.after.id);
      where.push(`(a.starts_at, a.id) > ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(f.limit);
    return this.ds.manager.query(
      `${SELECT_WITH_PATIENT} WHERE ${where.join(' AND ')}
       ORDER BY a.starts_at, a.id LIMIT $${params.length}`,
      params,
    );
  }

  async historyFor(
    ids: string[],
    manager: EntityManager = this.ds.manager,
  ): Promise<
    {
      appointment_id: string;
      at: Date;
      event: string;
      from_status: string | null;
      to_status: string;
      source: string;
    }[]
  > {
    return manager.query(
      `SELECT appointment_id, at, event, from_status, to_status, source FROM appointment_events
       WHERE appointment_id = ANY($1::uuid[]) ORDER BY appointment_id, id`,
      [ids],
    );
  }

  /**
   * The change `cause` (the history row the caller writes next) makes. The report's facts that
   * history implies (confirmed, rescheduled or cancelled by the patient's text) are set here
   * already, by the rule of the trigger that derives them from the history
   * (appointment_text_facts, 1795741000000-NoShowReport), which then finds nothing left to
   * write: the row, and the clinic's report rows its triggers update, are written once per
   * change rather than twice (once for the status, once again for the fact).
   */
  /**
   * A machine transition of one (locked) appointment: its new status and time, and the history
   * row saying so, in one statement (one round trip: every patient's C, X, R and digit comes
   * through here).
   */
  /**
   * A visit that has just become `no_show`, followed up at `dueAt` (once per appointment: a
   * visit marked no-show again keeps its first row). The wake-up rides with the row.
   */
  async recordMissed(
    manager: EntityManager,
    v: { clinicId: string; appointmentId: string; patientId: string; at: Date; dueAt: Date },
  ): Promise<void> {
    const wake = DueSignals.wake(MISSED_VISIT_WORK, v.dueAt);
    await namedQuery(
      manager,
      'missed_visit_record',
      `WITH made AS (
         INSERT INTO missed_visits (clinic_id, appointment_id, patient_id, missed_at, due_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (appointment_id) DO NOTHING
         RETURNING 1)
       SELECT pg_notify($6, $7) FROM made`,
      [v.clinicId, v.appointmentId, v.patientId, v.at, v.dueAt, wake.channel, wake.payload],
    );
  }

  async changeStatus(
    manager: EntityManager,
    clinicId: string,
    id: string,
    values: { status: AppointmentStatus; startsAt: Date; endsAt: Date },
    history: Omit<HistoryWrite, 'appointmentId' | 'to'>,
  ): Promise<void> {
    await namedQuery(
      manager,
      'appointment_change_logged',
      `WITH changed AS (
         UPDATE appointments SET status = $3, starts_at = $4, ends_at = $5,
                version = version + 1, updated_at = now(),
                confirmed_by_text = confirmed_by_text
                  OR ($7 = 'patient' AND $6 IN ('REPLY_CONFIRM', 'REPLY_SLOT')),
                rescheduled_by_text = rescheduled_by_text
                  OR ($7 = 'patient' AND $6 = 'REPLY_SLOT'),
                cancelled_by_text = cancelled_by_text OR ($7 = 'patient' AND $6 = 'REPLY_CANCEL')
         WHERE id = $2
         RETURNING id)
       INSERT INTO appointment_events (clinic_id, appointment_id, at, event, from_status,
         to_status, source, detail)
       SELECT $1, changed.id, $8, $6, $9, $3, $7, $10::jsonb FROM changed`,
      [
        clinicId,
        id,
        values.status,
        values.startsAt,
        values.endsAt,
        history.event,
        history.source,
        history.at,
        history.from,
        history.detail ? JSON.stringify(history.detail) : null,
      ],
    );
  }
}

/** One row as json_to_recordset reads it: bulk writes send one JSON text, not N arrays. */
function toRecord(r: AppointmentWrite): Record<string, unknown> {
  return {
    external_id: r.externalId,
    patient_id: r.patientId,
    starts_at: r.startsAt,
    ends_at: r.endsAt,
    duration_minutes: r.durationMinutes,
    practitioner: r.practitioner,
    location: r.location,
    type: r.type,
    status: r.status,
  };
}
