import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ClinicEntity } from '../clinics/clinic.entity';
import type { StaffRole } from './roles';

/** A live session: its clinic, and the person it belongs to (none: the clinic key's session). */
export interface SessionOwner {
  clinic: ClinicEntity;
  staff: { id: string; name: string; role: StaffRole } | null;
}

@Injectable()
export class ConsoleSessionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a new session; sessions past their expiry are cleared on the way. */
  async insert(
    clinicId: string,
    tokenHash: string,
    now: Date,
    expiresAt: Date,
    staffId: string | null = null,
  ): Promise<void> {
    await this.ds.query(
      `WITH expired AS (DELETE FROM console_sessions WHERE expires_at <= $3)
       INSERT INTO console_sessions (clinic_id, token_hash, created_at, expires_at, staff_id, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $3)`,
      [clinicId, tokenHash, now, expiresAt, staffId],
    );
  }

  /**
   * The owner of a live session, by the token's hash, and the session marked used now. A
   * person's session also ends after `idleMs` without use, and with the person's deactivation.
   */
  async use(tokenHash: string, now: Date, idleMs: number): Promise<SessionOwner | null> {
    const idleSince = new Date(now.getTime() - idleMs);
    const [rows]: [{ clinic_id: string; staff_id: string | null }[], number] = await this.ds.query(
      `UPDATE console_sessions s SET last_used_at = $2
       WHERE s.token_hash = $1 AND s.expires_at > $2
         AND (s.staff_id IS NULL OR (s.last_used_at > $3 AND EXISTS (
           SELECT 1 FROM staff_users u WHERE u.id = s.staff_id AND u.active)))
       RETURNING s.clinic_id, s.staff_id`,
      [tokenHash, now, idleSince],
    );
    const row = rows[0];
    if (!row) return null;
    const clinic = await this.ds.getRepository(ClinicEntity).findOneBy({ id: row.clinic_id });
    if (!clinic) return null;
    if (!row.staff_id) return { clinic, staff: null };
    const [staff]: { id: string; name: string; role: StaffRole }[] = await this.ds.query(
      `SELECT id, name, role FROM staff_users WHERE id = $1 AND active`,
      [row.staff_id],
    );
    return staff ? { clinic, staff } : null;
  }

  /** The clinic of a session that has not expired, by the token's hash. */
  async findClinic(tokenHash: string, now: Date): Promise<ClinicEntity | null> {
    return this.ds
      .getRepository(ClinicEntity)
      .createQueryBuilder('c')
      .innerJoin('console_sessions', 's', 's.clinic_id = c.id')
      .where('s.token_hash = :tokenHash AND s.expires_at > :now', { tokenHash, now })
      .getOne();
  }

  async delete(tokenHash: string): Promise<void> {
    await this.ds.query(`DELETE FROM console_sessions WHERE token_hash = $1`, [tokenHash]);
  }

  /** Signs a person out everywhere. */
  async deleteForStaff(manager: EntityManager, staffId: string): Promise<void> {
    await manager.query(`DELETE FROM console_sessions WHERE staff_id = $1`, [staffId]);
  }
}
