import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { namedQuery } from '../database/named-query';
import { returningRows } from '../database/returning-rows';
import type { SurveyGroupBy } from './dto/surveys.dto';

/** Attended visits are surveyed; the statuses are given to SQL from here only. */
export const SURVEYED_STATUSES = ['arrived', 'completed'];
/** A survey more than this late (the service was down, the visit marked days later) is not sent. */
export const SURVEY_LATEST_MS = 12 * 3_600_000;
/** The longest `afterMinutes` (a day) plus the lateness above: how far back the due scan looks. */
const SCAN_BACK = `interval '36 hours'`;

export interface DueSurvey {
  appointment_id: string;
  clinic_id: string;
  patient_id: string;
  practitioner: string | null;
  phone: string;
  language: string;
  zone: string;
  clinic_name: string;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
}

export interface OpenSurvey {
  id: string;
  appointment_id: string;
  asked_at: Date;
  score: number | null;
  answered_at: Date | null;
  comment: string | null;
  other_asked_at: Date | null;
}

export interface SurveyFilter {
  clinicId: string;
  zone: string;
  /** local dates of the visit, [from, to) */
  from: string;
  to: string;
}

export interface SurveyReportRow {
  key: string | null;
  sent: number;
  answered: number;
  comments: number;
  s1: number;
  s2: number;
  s3: number;
  s4: number;
  s5: number;
}

export interface SurveyAnswerRow {
  id: string;
  appointment_id: string;
  patient_phone: string;
  patient_name: string | null;
  practitioner: string | null;
  location: string | null;
  type: string | null;
  visit_at: Date;
  score: number;
  answered_at: Date;
  comment: string | null;
  commented_at: Date | null;
}

const DUE_FROM = `
  FROM appointments a
  JOIN clinics c ON c.id = a.clinic_id AND c.survey_enabled`;
// occupies_time AND NOT no_show_candidate: what appointments_attended_ends indexes.
const DUE_WHERE = `
  WHERE a.occupies_time AND NOT a.no_show_candidate AND a.status = ANY($2::text[])
    AND a.ends_at > $1::timestamptz - ${SCAN_BACK} AND a.ends_at <= $1
    AND NOT EXISTS (SELECT 1 FROM surveys s WHERE s.appointment_id = a.id)`;
const DUE_AT = `a.ends_at + make_interval(mins => c.survey_after_minutes)`;

const GROUP_KEYS: Record<SurveyGroupBy, string> = {
  practitioner: 'a.practitioner',
  location: 'a.location',
  type: 'a.type',
  week: `to_char(date_trunc('week', (a.starts_at AT TIME ZONE $2)::date), 'YYYY-MM-DD')`,
  none: 'NULL::text',
};

@Injectable()
export class SurveysRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Attended visits whose survey is due now, locked (SKIP LOCKED: another instance has them). */
  async lockDue(m: EntityManager, now: Date, limit: number): Promise<DueSurvey[]> {
    return m.query(
      `SELECT a.id AS appointment_id, a.clinic_id, a.patient_id, a.practitioner, p.phone,
              p.language, coalesce(p.timezone, c.timezone) AS zone, c.name AS clinic_name,
              c.quiet_hours_start, c.quiet_hours_end
       ${DUE_FROM}
       JOIN patients p ON p.clinic_id = a.clinic_id AND p.id = a.patient_id
       ${DUE_WHERE}
         AND ${DUE_AT} <= $1 AND ${DUE_AT} > $1::timestamptz - make_interval(secs => $4)
       ORDER BY a.ends_at
       LIMIT $3
       FOR UPDATE OF a SKIP LOCKED`,
      [now, SURVEYED_STATUSES, limit, SURVEY_LATEST_MS / 1000],
    );
  }

  async insert(
    m: EntityManager,
    rows: {
      clinicId: string;
      appointmentId: string;
      patientId: string;
      messageId: string | null;
    }[],
    now: Date,
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO surveys (clinic_id, appointment_id, patient_id, message_id, created_at)
       SELECT * , $5::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[])
       ON CONFLICT (appointment_id) DO NOTHING`,
      [
        rows.map((r) => r.clinicId),
        rows.map((r) => r.appointmentId),
        rows.map((r) => r.patientId),
        rows.map((r) => r.messageId),
        now,
      ],
    );
  }

  /**
   * When the next survey falls due, if any is known: the earliest one not yet asked that
   * `lockDue` could still take, already due ones included. One due now is one the pass's claim
   * skipped (another transaction held its visit) or that fell due after the claim's instant (a
   * timer fires a little before the wall clock's time): the loop looks again a second later
   * instead of at its safety poll, a minute on.
   */
  async nextDue(now: Date): Promise<Date | null> {
    const [row] = await this.ds.query<{ at: Date | null }[]>(
      `SELECT min(${DUE_AT}) AS at ${DUE_FROM}
       WHERE a.occupies_time AND NOT a.no_show_candidate AND a.status = ANY($2::text[])
         AND a.ends_at > $1::timestamptz - ${SCAN_BACK}
         AND NOT EXISTS (SELECT 1 FROM surveys s WHERE s.appointment_id = a.id)
         AND ${DUE_AT} > $1::timestamptz - make_interval(secs => $3)`,
      [now, SURVEYED_STATUSES, SURVEY_LATEST_MS / 1000],
    );
    return row?.at ?? null;
  }

  /**
   * The patient's latest survey whose question went out in the last week, locked, with when
   * Turnout last asked them anything else: an open reschedule offer or a reminder sent.
   */
  async latestFor(
    m: EntityManager,
    clinicId: string,
    patientId: string,
    now: Date,
  ): Promise<OpenSurvey | null> {
    const rows = returningRows<OpenSurvey>(
      await namedQuery(
        m,
        'survey_latest',
        `SELECT s.id, s.appointment_id, q.sent_at AS asked_at, s.score, s.answered_at, s.comment,
                GREATEST(
                  (SELECT max(o.created_at) FROM reschedule_offers o
                     JOIN appointments oa ON oa.id = o.appointment_id
                    WHERE oa.patient_id = s.patient_id AND o.closed_at IS NULL),
                  (SELECT max(r.sent_at) FROM reminders r
                     JOIN appointments ra ON ra.id = r.appointment_id
                    WHERE ra.patient_id = s.patient_id)) AS other_asked_at
         FROM surveys s JOIN messages q ON q.id = s.message_id
         WHERE s.clinic_id = $1 AND s.patient_id = $2
           AND q.sent_at IS NOT NULL AND q.sent_at > $3::timestamptz - interval '7 days'
         ORDER BY q.sent_at DESC
         LIMIT 1
         FOR UPDATE OF s`,
        [clinicId, patientId, now],
      ),
    );
    return rows[0] ?? null;
  }

  async score(m: EntityManager, id: string, score: number, at: Date): Promise<void> {
    await m.query(`UPDATE surveys SET score = $2, answered_at = $3 WHERE id = $1`, [id, score, at]);
  }

  async comment(m: EntityManager, id: string, text: string, at: Date): Promise<void> {
    await m.query(`UPDATE surveys SET comment = $2, commented_at = $3 WHERE id = $1`, [
      id,
      text,
      at,
    ]);
  }

  /**
   * Per group: surveys whose question the provider accepted, answered, commented, and the
   * count of each score; visits filed under their local date in the clinic's zone.
   */
  async report(f: SurveyFilter, groupBy: SurveyGroupBy): Promise<SurveyReportRow[]> {
    const key = GROUP_KEYS[groupBy];
    return this.ds.query(
      `SELECT ${key} AS key,
              count(q.sent_at)::int AS sent,
              count(s.score)::int AS answered,
              count(s.comment)::int AS comments,
              ${[1, 2, 3, 4, 5].map((n) => `count(*) FILTER (WHERE s.score = ${n})::int AS s${n}`).join(', ')}
       FROM surveys s
       JOIN appointments a ON a.id = s.appointment_id
       LEFT JOIN messages q ON q.id = s.message_id
       WHERE s.clinic_id = $1
         AND (a.starts_at AT TIME ZONE $2)::date >= $3::date
         AND (a.starts_at AT TIME ZONE $2)::date < $4::date
       GROUP BY 1 ORDER BY 1 NULLS LAST`,
      [f.clinicId, f.zone, f.from, f.to],
    );
  }

  /** Answered surveys, newest first, at most `maxScore`. */
  async answers(f: SurveyFilter, maxScore: number, limit: number): Promise<SurveyAnswerRow[]> {
    return this.ds.query(
      `SELECT s.id, s.appointment_id, p.phone AS patient_phone, p.name AS patient_name,
              a.practitioner, a.location, a.type, a.starts_at AS visit_at, s.score, s.answered_at,
              s.comment, s.commented_at
       FROM surveys s
       JOIN appointments a ON a.id = s.appointment_id
       JOIN patients p ON p.clinic_id = s.clinic_id AND p.id = s.patient_id
       WHERE s.clinic_id = $1 AND s.score IS NOT NULL AND s.score <= $5
         AND (a.starts_at AT TIME ZONE $2)::date >= $3::date
         AND (a.starts_at AT TIME ZONE $2)::date < $4::date
       ORDER BY s.answered_at DESC, s.id
       LIMIT $6`,
      [f.clinicId, f.zone, f.from, f.to, maxScore, limit],
    );
  }
}
