import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuditEntryInput } from './audit-scope';

/** Anything that runs SQL: the data source, an entity manager, a transaction's query runner. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor_type: 'person' | 'integration' | 'system';
  actor_id: string | null;
  actor_name: string;
  action: string;
  patient_phone: string | null;
  appointment_id: string | null;
  target_id: string | null;
  client_address: string | null;
}

export interface AuditFilter {
  from?: Date;
  to?: Date;
  /** a person's id, or `integration`, or `system` */
  actor?: string;
  patientPhone?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Appends one entry. An appointment's patient is looked up in the same statement, so a
   * change's entry names the patient as the transaction saw them.
   */
  async insert(db: Queryable, e: AuditEntryInput): Promise<void> {
    const appointmentId = e.appointmentId && UUID.test(e.appointmentId) ? e.appointmentId : null;
    const actorId = e.actor.type === 'person' ? e.actor.id : null;
    const actorName =
      e.actor.type === 'person'
        ? e.actor.name
        : e.actor.type === 'integration'
          ? 'integration key'
          : 'Turnout';
    await db.query(
      `INSERT INTO audit_entries (clinic_id, at, actor_type, actor_id, actor_name, action,
         patient_phone, appointment_id, target_id, client_address)
       SELECT $1, $2, $3, $4, $5, $6,
         COALESCE($7, (SELECT p.phone FROM appointments a JOIN patients p ON p.id = a.patient_id
                       WHERE a.id = $8 AND a.clinic_id = $1)),
         (SELECT a.id FROM appointments a WHERE a.id = $8 AND a.clinic_id = $1), $9, $10`,
      [
        e.clinicId,
        e.at,
        e.actor.type,
        actorId,
        actorName,
        e.action,
        e.patientPhone,
        appointmentId,
        e.targetId,
        e.clientAddress,
      ],
    );
  }

  /** An entry of Turnout's own doing (actor `system`). */
  async insertSystem(clinicId: string, at: Date, action: string, targetId: string): Promise<void> {
    await this.insert(this.ds, {
      clinicId,
      at,
      actor: { type: 'system' },
      action,
      patientPhone: null,
      appointmentId: null,
      targetId,
      clientAddress: null,
    });
  }

  /** Newest first. */
  async list(clinicId: string, f: AuditFilter, limit: number): Promise<AuditRow[]> {
    const where = ['clinic_id = $1'];
    const params: unknown[] = [clinicId];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (f.from) add('at >= ?', f.from);
    if (f.to) add('at < ?', f.to);
    if (f.actor === 'integration' || f.actor === 'system') add('actor_type = ?', f.actor);
    else if (f.actor) add('actor_id = ?', f.actor);
    if (f.patientPhone) add('patient_phone = ?', f.patientPhone);
    params.push(limit);
    return this.ds.query(
      `SELECT id::text, at, actor_type, actor_id, actor_name, action, patient_phone,
              appointment_id, target_id, client_address
       FROM audit_entries WHERE ${where.join(' AND ')}
       ORDER BY at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * Deletes entries older than their clinic's retention (the only DELETE the table's trigger
   * lets through, and only with this transaction's setting on); returns how many per clinic.
   */
  async purge(now: Date, limit: number): Promise<{ clinicId: string; deleted: number }[]> {
    return this.ds.transaction(async (m) => {
      await m.query(`SELECT set_config('turnout.audit_retention', 'on', true)`);
      const [rows]: [{ clinic_id: string }[], number] = await m.query(
        `DELETE FROM audit_entries WHERE id IN (
           SELECT e.id FROM audit_entries e LEFT JOIN clinics c ON c.id = e.clinic_id
           WHERE e.at < $1::timestamptz - make_interval(days => COALESCE(c.audit_retention_days, 2190))
           ORDER BY e.at LIMIT $2
           FOR UPDATE OF e SKIP LOCKED)
         RETURNING clinic_id`,
        [now, limit],
      );
      const counts = new Map<string, number>();
      for (const r of rows) counts.set(r.clinic_id, (counts.get(r.clinic_id) ?? 0) + 1);
      return [...counts].map(([clinicId, deleted]) => ({ clinicId, deleted }));
    });
  }
}
