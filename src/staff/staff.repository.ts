import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { StaffRole } from '../auth/roles';

export interface StaffRow {
  id: string;
  clinic_id: string;
  name: string;
  email: string;
  role: StaffRole;
  active: boolean;
  created_at: Date;
  passkeys: number;
  sessions: number;
}

const COLUMNS = `u.id, u.clinic_id, u.name, u.email, u.role, u.active, u.created_at,
  (SELECT count(*)::int FROM staff_passkeys k WHERE k.staff_id = u.id) AS passkeys,
  (SELECT count(*)::int FROM console_sessions s
    WHERE s.staff_id = u.id AND s.expires_at > $2 AND s.last_used_at > $3) AS sessions`;

@Injectable()
export class StaffRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The new person's id, or null when the clinic already has someone with that email. */
  async insert(
    clinicId: string,
    p: { name: string; email: string; role: StaffRole },
    now: Date,
  ): Promise<string | null> {
    const rows: { id: string }[] = await this.ds.query(
      `INSERT INTO staff_users (clinic_id, name, email, role, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (clinic_id, lower(email)) DO NOTHING
       RETURNING id`,
      [clinicId, p.name, p.email, p.role, now],
    );
    return rows[0]?.id ?? null;
  }

  /** `liveSince`: sessions used after this count as signed in. */
  async list(clinicId: string, now: Date, liveSince: Date): Promise<StaffRow[]> {
    return this.ds.query(
      `SELECT ${COLUMNS} FROM staff_users u WHERE u.clinic_id = $1 ORDER BY u.name, u.id`,
      [clinicId, now, liveSince],
    );
  }

  async find(
    clinicId: string,
    id: string,
    now: Date,
    liveSince: Date,
    db: EntityManager | DataSource = this.ds,
  ): Promise<StaffRow | null> {
    const rows: StaffRow[] = await db.query(
      `SELECT ${COLUMNS} FROM staff_users u WHERE u.clinic_id = $1 AND u.id = $4`,
      [clinicId, now, liveSince, id],
    );
    return rows[0] ?? null;
  }

  /** Locks the person's row for a change; false when not this clinic's. */
  async lock(manager: EntityManager, clinicId: string, id: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM staff_users WHERE clinic_id = $1 AND id = $2 FOR UPDATE`,
      [clinicId, id],
    );
    return rows.length > 0;
  }

  async update(
    manager: EntityManager,
    id: string,
    changes: { role?: StaffRole; active?: boolean },
    now: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE staff_users SET role = COALESCE($2, role), active = COALESCE($3, active),
         updated_at = $4 WHERE id = $1`,
      [id, changes.role ?? null, changes.active ?? null, now],
    );
  }

  /** An active person, for signing in. */
  async findActive(
    id: string,
  ): Promise<{ id: string; clinic_id: string; name: string; email: string } | null> {
    const rows: { id: string; clinic_id: string; name: string; email: string }[] =
      await this.ds.query(
        `SELECT id, clinic_id, name, email FROM staff_users WHERE id = $1 AND active`,
        [id],
      );
    return rows[0] ?? null;
  }
}
