import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { TemplateLanguage } from '../messaging/templates';

export interface StoredVariant {
  key: string;
  templates?: Record<TemplateLanguage, string>;
  reminderOffsets?: string[];
}

export interface ExperimentRow {
  id: string;
  clinic_id: string;
  name: string;
  variants: StoredVariant[];
  weights: number[];
  starts_on: string;
  ends_on: string | null;
  ended_at: Date | null;
  created_at: Date;
}

export interface AssignmentWrite {
  appointmentId: string;
  experimentId: string;
  variantIndex: number;
  variant: string;
}

export interface VariantCountsRow {
  variant_index: number;
  appointments: number;
  attended: number;
  no_shows: number;
  confirmed: number;
}

const COLUMNS = `id, clinic_id, name, variants, weights, to_char(starts_on, 'YYYY-MM-DD') AS starts_on,
  to_char(ends_on, 'YYYY-MM-DD') AS ends_on, ended_at, created_at`;

/** The clinic's one experiment not ended, by index; violating it means one is open already. */
const ONE_OPEN = 'experiments_one_open_per_clinic';

export class OpenExperimentExists extends Error {}

@Injectable()
export class ExperimentsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Experiments whose last day has passed are ended as of `now`: they no longer block a new one. */
  async endLapsed(clinicId: string, today: string, now: Date): Promise<void> {
    await this.ds.query(
      `UPDATE experiments SET ended_at = $3
       WHERE clinic_id = $1 AND ended_at IS NULL AND ends_on < $2::date`,
      [clinicId, today, now],
    );
  }

  async open(clinicId: string): Promise<ExperimentRow | undefined> {
    const rows: ExperimentRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM experiments WHERE clinic_id = $1 AND ended_at IS NULL`,
      [clinicId],
    );
    return rows[0];
  }

  /** Throws OpenExperimentExists when another one is open (the unique index decides races). */
  async insert(
    row: Omit<ExperimentRow, 'id' | 'ended_at' | 'created_at'>,
    now: Date,
  ): Promise<ExperimentRow> {
    try {
      const rows: ExperimentRow[] = await this.ds.query(
        `INSERT INTO experiments (clinic_id, name, variants, weights, starts_on, ends_on, created_at)
         VALUES ($1, $2, $3::jsonb, $4::double precision[], $5::date, $6::date, $7)
         RETURNING ${COLUMNS}`,
        [
          row.clinic_id,
          row.name,
          JSON.stringify(row.variants),
          row.weights,
          row.starts_on,
          row.ends_on,
          now,
        ],
      );
      return rows[0];
    } catch (error) {
      const constraint = (error as QueryFailedError & { driverError?: { constraint?: string } })
        .driverError?.constraint;
      if (error instanceof QueryFailedError && constraint === ONE_OPEN) {
        throw new OpenExperimentExists();
      }
      throw error;
    }
  }

  async list(clinicId: string): Promise<ExperimentRow[]> {
    return this.ds.query(
      `SELECT ${COLUMNS} FROM experiments WHERE clinic_id = $1
       ORDER BY created_at DESC, id DESC LIMIT 200`,
      [clinicId],
    );
  }

  async find(clinicId: string, id: string): Promise<ExperimentRow | undefined> {
    const rows: ExperimentRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM experiments WHERE clinic_id = $1 AND id = $2`,
      [clinicId, id],
    );
    return rows[0];
  }

  async end(clinicId: string, id: string, now: Date): Promise<void> {
    await this.ds.query(
      `UPDATE experiments SET ended_at = $3 WHERE clinic_id = $1 AND id = $2 AND ended_at IS NULL`,
      [clinicId, id, now],
    );
  }

  /** The experiment running on the local date `today`, read in the planning transaction. */
  async running(
    m: EntityManager,
    clinicId: string,
    today: string,
  ): Promise<ExperimentRow | undefined> {
    const rows: ExperimentRow[] = await m.query(
      `SELECT ${COLUMNS} FROM experiments
       WHERE clinic_id = $1 AND ended_at IS NULL AND starts_on <= $2::date
         AND (ends_on IS NULL OR ends_on >= $2::date)`,
      [clinicId, today],
    );
    return rows[0];
  }

  /** Records assignments; an appointment that has one keeps it. */
  async insertAssignments(m: EntityManager, rows: AssignmentWrite[], now: Date): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO experiment_assignments
         (appointment_id, experiment_id, variant_index, variant, assigned_at)
       SELECT v.appointment_id, v.experiment_id, v.variant_index, v.variant, $2
       FROM json_to_recordset($1::json)
         AS v(appointment_id uuid, experiment_id uuid, variant_index int, variant text)
       ON CONFLICT (appointment_id) DO NOTHING`,
      [
        JSON.stringify(
          rows.map((r) => ({
            appointment_id: r.appointmentId,
            experiment_id: r.experimentId,
            variant_index: r.variantIndex,
            variant: r.variant,
          })),
        ),
        now,
      ],
    );
  }

  /** The reminder offsets the assigned variant of each appointment sets, where it sets any. */
  async assignedOffsets(
    m: EntityManager,
    appointmentIds: string[],
  ): Promise<{ appointment_id: string; offsets: string[] }[]> {
    if (appointmentIds.length === 0) return [];
    return m.query(
      `SELECT ea.appointment_id, e.variants -> ea.variant_index -> 'reminderOffsets' AS offsets
       FROM experiment_assignments ea JOIN experiments e ON e.id = ea.experiment_id
       WHERE ea.appointment_id = ANY($1::uuid[])
         AND jsonb_typeof(e.variants -> ea.variant_index -> 'reminderOffsets') = 'array'`,
      [appointmentIds],
    );
  }

  /** Per variant: assigned appointments, attended, no-shows, and confirmed by the patient. */
  async counts(experimentId: string): Promise<VariantCountsRow[]> {
    const rows: Record<string, string | number>[] = await this.ds.query(
      `SELECT ea.variant_index,
              count(*) AS appointments,
              count(*) FILTER (WHERE a.status IN ('arrived', 'completed')) AS attended,
              count(*) FILTER (WHERE a.status = 'no_show') AS no_shows,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM appointment_events e WHERE e.appointment_id = a.id
                  AND e.source = 'patient' AND e.event IN ('REPLY_CONFIRM', 'REPLY_SLOT')
              )) AS confirmed
       FROM experiment_assignments ea JOIN appointments a ON a.id = ea.appointment_id
       WHERE ea.experiment_id = $1
       GROUP BY ea.variant_index`,
      [experimentId],
    );
    return rows.map((r) => ({
      variant_index: Number(r.variant_index),
      appointments: Number(r.appointments),
      attended: Number(r.attended),
      no_shows: Number(r.no_shows),
      confirmed: Number(r.confirmed),
    }));
  }
}
