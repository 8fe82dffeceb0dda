import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LIVE_STATUSES } from '../appointments/appointment.machine';
import type { RiskModel } from './risk-model';

/** Finished visits: the patient came or did not. Cancelled ones say nothing about showing up. */
export const FINISHED_STATUSES = ['arrived', 'completed', 'no_show'];

export interface ModelRow {
  clinic_id: string;
  checked_at: Date;
  finished_visits: number;
  fitted_at: Date | null;
  training_size: number | null;
  model: RiskModel | null;
}

/**
 * When it was booked: its first history event (CREATED, at the service's clock), else the row's
 * creation time.
 */
const BOOKED_AT = `COALESCE((SELECT e.at FROM appointment_events e WHERE e.appointment_id = a.id
                             ORDER BY e.id LIMIT 1), a.created_at)`;

export interface VisitRow {
  starts_at: Date;
  booked_at: Date;
  type: string | null;
  practitioner: string | null;
  confirmed: boolean;
  prior_visits: number;
  prior_no_shows: number;
}

export interface ClinicToLook {
  clinic_id: string;
  /** finished visits counted now */
  finished: number;
  /** not looked at within the last check period: may be taken now */
  takeable: boolean;
  /** when it may be taken, if not now */
  takeable_at: Date | null;
}

export interface TrainingRow extends VisitRow {
  no_show: boolean;
}

export interface UpcomingRow extends VisitRow {
  id: string;
  version: number;
  patient_timezone: string | null;
  old_score: number | null;
}

@Injectable()
export class RiskModelsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The clinics whose model or scores may have work, found in one statement for all clinics:
   * never looked at; without a model and their count of finished visits changed since it was
   * last saved (or enough of them, and a day since a fit found too little to learn); with a model that a refit is due for (the rule of `refitDue`, in SQL) or that
   * too few visits would drop; or with an upcoming live appointment whose score is missing or
   * stale (the rule of `upcomingToScore`). Each with its finished visits counted now, and
   * whether it may be taken now (not looked at since `before`), else when it may.
   */
  async clinicsToLook(
    now: Date,
    before: Date,
    checkEveryMs: number,
    rule: { refitEveryMs: number; minVisits: number },
  ): Promise<ClinicToLook[]> {
    return this.ds.query(
      `SELECT k.clinic_id, k.finished, coalesce(k.checked_at <= $2, true) AS takeable,
              k.checked_at + make_interval(secs => $3) AS takeable_at
       FROM (
         SELECT c.id AS clinic_id, m.clinic_id IS NOT NULL AS known, m.checked_at, m.fitted_at,
                m.finished_visits, m.training_size,
                (SELECT count(*) FROM appointments a
                 WHERE a.clinic_id = c.id AND a.status = ANY($4::text[])
                   AND a.starts_at < $1)::int AS finished
         FROM clinics c LEFT JOIN risk_models m ON m.clinic_id = c.id) k
       WHERE NOT k.known
          OR (k.fitted_at IS NULL AND k.finished <> k.finished_visits)
          OR (k.fitted_at IS NULL AND k.finished >= $6
              AND k.checked_at <= $1::timestamptz - make_interval(secs => $5))
          OR (k.fitted_at IS NOT NULL AND (
                k.fitted_at <= $1::timestamptz - make_interval(secs => $5)
             OR k.finished < $6
             OR k.finished - k.finished_visits
                  >= greatest(50, ceil(coalesce(k.training_size, 0) * 0.1))
             OR EXISTS (
                  SELECT 1 FROM appointments a
                  LEFT JOIN appointment_risk r ON r.appointment_id = a.id
                  WHERE a.clinic_id = k.clinic_id AND a.starts_at > $1
                    AND a.status = ANY($7::text[])
                    AND (r.appointment_id IS NULL OR r.version <> a.version
                         OR r.fitted_at <> k.fitted_at))))`,
      [
        now,
        before,
        checkEveryMs / 1000,
        FINISHED_STATUSES,
        rule.refitEveryMs / 1000,
        rule.minVisits,
        LIVE_STATUSES,
      ],
    );
  }

  /**
   * Takes the clinic for this pass (no other instance takes it until `before` passes again),
   * returning its model row as it was; null when another instance took it first.
   */
  async take(clinicId: string, before: Date, now: Date): Promise<ModelRow | null> {
    await this.ds.query(
      `INSERT INTO risk_models (clinic_id, checked_at) VALUES ($1, '-infinity')
       ON CONFLICT (clinic_id) DO NOTHING`,
      [clinicId],
    );
    // An UPDATE answers [rows, count] through TypeORM.
    const [rows]: [ModelRow[], number] = await this.ds.query(
      `WITH prior AS (
         SELECT * FROM risk_models WHERE clinic_id = $1 AND checked_at <= $2
         FOR UPDATE SKIP LOCKED)
       UPDATE risk_models m SET checked_at = $3 FROM prior p
       WHERE m.clinic_id = p.clinic_id
       RETURNING p.*`,
      [clinicId, before, now],
    );
    return rows[0] ?? null;
  }

  async find(clinicId: string): Promise<ModelRow | null> {
    const rows: ModelRow[] = await this.ds.query(`SELECT * FROM risk_models WHERE clinic_id = $1`, [
      clinicId,
    ]);
    return rows[0] ?? null;
  }

  async finishedVisits(clinicId: string, now: Date): Promise<number> {
    const [row]: { n: number }[] = await this.ds.query(
      `SELECT count(*)::int AS n FROM appointments
       WHERE clinic_id = $1 AND status = ANY($2::text[]) AND starts_at < $3`,
      [clinicId, FINISHED_STATUSES, now],
    );
    return row.n;
  }

  /**
   * Every finished visit with what was known before it: the patient's earlier finished visits
   * and no-shows, when it was booked, whether the patient confirmed before the start. The
   * outcome is only `no_show`, never a feature.
   */
  async trainingVisits(clinicId: string, now: Date): Promise<TrainingRow[]> {
    return this.ds.query(
      `SELECT a.starts_at, ${BOOKED_AT} AS booked_at, a.type, a.practitioner,
              a.status = 'no_show' AS no_show,
              EXISTS (SELECT 1 FROM appointment_events e
                      WHERE e.appointment_id = a.id AND e.to_status = 'confirmed'
                        AND e.at < a.starts_at) AS confirmed,
              (count(*) OVER earlier)::int AS prior_visits,
              (count(*) FILTER (WHERE a.status = 'no_show') OVER earlier)::int AS prior_no_shows
       FROM appointments a
       WHERE a.clinic_id = $1 AND a.status = ANY($2::text[]) AND a.starts_at < $3
       WINDOW earlier AS (PARTITION BY a.patient_id ORDER BY a.starts_at, a.id
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)`,
      [clinicId, FINISHED_STATUSES, now],
    );
  }

  /**
   * Upcoming live appointments whose score is missing or stale: the appointment changed since
   * (a confirmation, a move), or the model did.
   */
  async upcomingToScore(
    m: EntityManager,
    clinicId: string,
    now: Date,
    fittedAt: Date,
    limit: number,
  ): Promise<UpcomingRow[]> {
    return m.query(
      `SELECT a.id, a.version, a.starts_at, ${BOOKED_AT} AS booked_at, a.type, a.practitioner,
              a.status = 'confirmed' AS confirmed, p.timezone AS patient_timezone,
              r.score AS old_score, h.prior_visits, h.prior_no_shows
       FROM appointments a
       JOIN patients p ON p.id = a.patient_id
       LEFT JOIN appointment_risk r ON r.appointment_id = a.id
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS prior_visits,
                (count(*) FILTER (WHERE f.status = 'no_show'))::int AS prior_no_shows
         FROM appointments f
         WHERE f.patient_id = a.patient_id AND f.clinic_id = a.clinic_id
           AND f.starts_at < $2 AND f.status = ANY($5::text[])) h
       WHERE a.clinic_id = $1 AND a.starts_at > $2 AND a.status = ANY($3::text[])
         AND (r.appointment_id IS NULL OR r.version <> a.version OR r.fitted_at <> $4)
       ORDER BY a.starts_at, a.id
       LIMIT $6
       FOR UPDATE OF a SKIP LOCKED`,
      [clinicId, now, LIVE_STATUSES, fittedAt, FINISHED_STATUSES, limit],
    );
  }

  /** Of these appointments, the live upcoming ones, as reminder targets. */
  async upcomingAmong(
    m: EntityManager,
    ids: string[],
    now: Date,
  ): Promise<{ id: string; starts_at: Date; patient_timezone: string | null }[]> {
    return m.query(
      `SELECT a.id, a.starts_at, p.timezone AS patient_timezone
       FROM appointments a JOIN patients p ON p.id = a.patient_id
       WHERE a.id = ANY($1::uuid[]) AND a.starts_at > $2 AND a.status = ANY($3::text[])`,
      [ids, now, LIVE_STATUSES],
    );
  }

  async saveModel(
    clinicId: string,
    values: { finishedVisits: number; fittedAt: Date | null; model: RiskModel | null },
  ): Promise<void> {
    await this.ds.query(
      `UPDATE risk_models SET finished_visits = $2, fitted_at = $3, model = $4,
              training_size = $5
       WHERE clinic_id = $1`,
      [
        clinicId,
        values.finishedVisits,
        values.fittedAt,
        values.model ? JSON.stringify(values.model) : null,
        values.model?.trainingSize ?? null,
      ],
    );
  }
}
