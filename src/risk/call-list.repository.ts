import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Live but not confirmed: the patients the front desk still needs to hear from. */
export const UNCONFIRMED_STATUSES = ['scheduled', 'reschedule_requested'];

export interface CallListRow {
  id: string;
  external_id: string;
  status: string;
  starts_at: Date;
  practitioner: string | null;
  type: string | null;
  patient_name: string;
  patient_phone: string;
  patient_language: string;
  score: number | null;
  reasons: string[] | null;
}

export interface CallListReminderRow {
  appointment_id: string;
  offset: string;
  due_at: Date;
  status: string;
  sent_at: Date | null;
}

@Injectable()
export class CallListRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async day(clinicId: string, from: Date, to: Date): Promise<CallListRow[]> {
    return this.ds.query(
      `SELECT a.id, a.external_id, a.status, a.starts_at, a.practitioner, a.type,
              p.name AS patient_name, p.phone AS patient_phone, p.language AS patient_language,
              r.score, r.reasons
       FROM appointments a
       JOIN patients p ON p.id = a.patient_id
       LEFT JOIN appointment_risk r ON r.appointment_id = a.id
       WHERE a.clinic_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3
         AND a.status = ANY($4::text[])
       ORDER BY r.score DESC NULLS LAST, a.starts_at, a.id`,
      [clinicId, from, to, UNCONFIRMED_STATUSES],
    );
  }

  async reminders(ids: string[]): Promise<CallListReminderRow[]> {
    if (ids.length === 0) return [];
    return this.ds.query(
      `SELECT appointment_id, "offset", due_at, status, sent_at FROM reminders
       WHERE appointment_id = ANY($1::uuid[]) ORDER BY appointment_id, due_at, created_at`,
      [ids],
    );
  }
}
