import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface StoredRisk {
  appointment_id: string;
  score: number;
  reasons: string[];
}

export interface RiskWrite {
  appointmentId: string;
  score: number;
  reasons: string[];
  version: number;
}

/**
 * The stored scores of appointments: written by the risk refit, read by the appointment view,
 * the call list and the reminder plan (the extra reminder). No dependencies, so the modules
 * that read scores need not import the model's machinery.
 */
@Injectable()
export class RiskScoresRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async scoresFor(ids: string[], m: EntityManager = this.ds.manager): Promise<StoredRisk[]> {
    if (ids.length === 0) return [];
    return m.query(
      `SELECT appointment_id, score, reasons FROM appointment_risk
       WHERE appointment_id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** Of these appointments, those scored at or above `threshold`. */
  async atOrAbove(m: EntityManager, ids: string[], threshold: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { appointment_id: string }[] = await m.query(
      `SELECT appointment_id FROM appointment_risk
       WHERE appointment_id = ANY($1::uuid[]) AND score >= $2`,
      [ids, threshold],
    );
    return new Set(rows.map((r) => r.appointment_id));
  }

  async save(m: EntityManager, clinicId: string, fittedAt: Date, now: Date, rows: RiskWrite[]) {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO appointment_risk (appointment_id, clinic_id, score, reasons, version,
                                     fitted_at, scored_at)
       SELECT v.id, $1, v.score, v.reasons, v.version, $2, $3
       FROM json_to_recordset($4::json) AS v(id uuid, score float8, reasons jsonb, version int)
       ON CONFLICT (appointment_id) DO UPDATE
         SET score = EXCLUDED.score, reasons = EXCLUDED.reasons, version = EXCLUDED.version,
             fitted_at = EXCLUDED.fitted_at, scored_at = EXCLUDED.scored_at`,
      [
        clinicId,
        fittedAt,
        now,
        JSON.stringify(
          rows.map((r) => ({
            id: r.appointmentId,
            score: r.score,
            reasons: r.reasons,
            version: r.version,
          })),
        ),
      ],
    );
  }

  /** Without a model nothing is scored: stale scores go. Returns the appointments that had one. */
  async clear(m: EntityManager, clinicId: string): Promise<string[]> {
    // A DELETE answers [rows, count] through TypeORM.
    const [rows]: [{ appointment_id: string }[], number] = await m.query(
      `DELETE FROM appointment_risk WHERE clinic_id = $1 RETURNING appointment_id`,
      [clinicId],
    );
    return rows.map((r) => r.appointment_id);
  }
}
