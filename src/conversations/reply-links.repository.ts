import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LIVE_STATUSES } from '../appointments/appointment.machine';
import { namedQuery } from '../database/named-query';
import { returningRows } from '../database/returning-rows';
import type { ReplyPatient } from '../patients/patients.repository';
import type { InboundLink } from './inbound-message-handler';

export interface ReplyLink extends InboundLink {
  /** what the conversation workflow needs of the patient, read in the same query */
  patient: ReplyPatient | null;
  /** the clinic's version (null when the clinic is gone) */
  clinicVersion: number | null;
}

export interface LinkQuery {
  clinicId: string;
  /** +E.164 */
  phone: string;
  at: Date;
}

/** Which patient wrote a text, and which appointment their reply is about. */
@Injectable()
export class ReplyLinksRepository {
  /**
   * For each (clinic, phone, time): the clinic's patient with that phone and the appointment a
   * reply is about, their upcoming live appointment whose reminder was sent last (the soonest
   * one when none was reminded yet). One query for a whole batch, answers in input order.
   */
  async linksFor(m: EntityManager, queries: LinkQuery[]): Promise<ReplyLink[]> {
    const rows = returningRows<
      Partial<ReplyPatient> & {
        patient_id: string | null;
        appointment_id: string | null;
        clinic_version: number | null;
      }
    >(
      await namedQuery(
        m,
        'inbound_links',
        `SELECT p.id AS patient_id, p.phone, p.language, p.timezone,
              p.opted_out_at IS NOT NULL AS opted_out,
              (SELECT a.id FROM appointments a
                WHERE a.clinic_id = p.clinic_id AND a.patient_id = p.id AND a.ends_at > v.at
                  AND a.status = ANY($4::text[])
                ORDER BY (SELECT max(r.sent_at) FROM reminders r WHERE r.appointment_id = a.id)
                         DESC NULLS LAST,
                         a.starts_at, a.id
                LIMIT 1) AS appointment_id,
              (SELECT c.version FROM clinics c WHERE c.id = v.clinic_id) AS clinic_version
       -- The arrays through a subquery kept apart (OFFSET 0): PostgreSQL then guesses the
       -- same number of rows for a generic plan as for a custom one and keeps the generic
       -- plan; given unnest($1) directly it counted each batch's own array, found the generic
       -- plan (10 rows) dearer, and planned every call afresh (0.5 ms a call, more than it ran).
       FROM (SELECT $1::uuid[] AS clinic_ids, $2::text[] AS phones, $3::timestamptz[] AS ats
             OFFSET 0) q,
            unnest(q.clinic_ids, q.phones, q.ats) WITH ORDINALITY AS v(clinic_id, phone, at, ord)
       LEFT JOIN patients p ON p.clinic_id = v.clinic_id AND p.phone = v.phone
       ORDER BY v.ord`,
        [
          queries.map((q) => q.clinicId),
          queries.map((q) => q.phone),
          queries.map((q) => q.at),
          LIVE_STATUSES,
        ],
      ),
    );
    return rows.map((r) => ({
      patientId: r.patient_id,
      patient: r.patient_id
        ? {
            id: r.patient_id,
            phone: r.phone!,
            language: r.language!,
            timezone: r.timezone ?? null,
            opted_out: r.opted_out!,
          }
        : null,
      appointmentId: r.appointment_id,
      clinicVersion: r.clinic_version,
    }));
  }
}
