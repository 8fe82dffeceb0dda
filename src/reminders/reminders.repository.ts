import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LIVE_STATUSES } from '../appointments/appointment.machine';

export interface ReminderWrite {
  appointmentId: string;
  offset: string;
  plannedFor: Date;
  dueAt: Date;
  status: 'pending' | 'skipped';
  reason: string | null;
}

@Injectable()
export class RemindersRepository {
  /**
   * Inserts a plan. A reminder already planned for the same start is kept as it is, unless it
   * was cancelled (the appointment moved away and back): then it is revived with the new plan.
   */
  async insertPlan(m: EntityManager, clinicId: string, rows: ReminderWrite[]): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO reminders (clinic_id, appointment_id, "offset", planned_for, due_at, status,
                              run_at, reason)
       SELECT $1, v.appointment_id, v.o, v.planned_for, v.due_at, v.status, v.due_at, v.reason
       FROM json_to_recordset($2::json)
         AS v(appointment_id uuid, o text, planned_for timestamptz, due_at timestamptz,
              status text, reason text)
       ON CONFLICT (appointment_id, "offset", planned_for) DO UPDATE
         SET status = EXCLUDED.status, due_at = EXCLUDED.due_at, run_at = EXCLUDED.run_at,
             reason = EXCLUDED.reason, attempts = 0, updated_at = now()
         WHERE reminders.status = 'cancelled'`,
      [
        clinicId,
        JSON.stringify(
          rows.map((r) => ({
            appointment_id: r.appointmentId,
            o: r.offset,
            planned_for: r.plannedFor,
            due_at: r.dueAt,
            status: r.status,
            reason: r.reason,
          })),
        ),
      ],
    );
  }

  async cancelPending(m: EntityManager, appointmentIds: string[], reason: string): Promise<void> {
    if (appointmentIds.length === 0) return;
    await m.query(
      `UPDATE reminders SET status = 'cancelled', reason = $2, updated_at = now()
       WHERE appointment_id = ANY($1::uuid[]) AND status = 'pending'`,
      [appointmentIds, reason],
    );
  }

  /** Live future appointments whose pending reminders follow the clinic's settings. */
  async replannable(
    m: EntityManager,
    clinicId: string,
    now: Date,
  ): Promise<{ id: string; starts_at: Date; patient_timezone: string | null }[]> {
    return m.query(
      `SELECT a.id, a.starts_at, p.timezone AS patient_timezone
       FROM appointments a JOIN patients p ON p.id = a.patient_id
       WHERE a.clinic_id = $1 AND a.starts_at > $2
         AND a.status = ANY($3::text[])`,
      [clinicId, now, LIVE_STATUSES],
    );
  }
}
