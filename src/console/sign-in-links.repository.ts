import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** A live link: its clinic, and the person it signs in (none: the clinic key's link). */
export interface SignInLink {
  clinicId: string;
  staffId: string | null;
}

@Injectable()
export class SignInLinksRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a new link; links past their expiry are cleared on the way. */
  async insert(
    clinicId: string,
    tokenHash: string,
    now: Date,
    expiresAt: Date,
    staffId: string | null = null,
  ): Promise<void> {
    await this.ds.query(
      `WITH expired AS (DELETE FROM console_sign_in_links WHERE expires_at <= $3)
       INSERT INTO console_sign_in_links (clinic_id, token_hash, created_at, expires_at, staff_id)
       VALUES ($1, $2, $3, $4, $5)`,
      [clinicId, tokenHash, now, expiresAt, staffId],
    );
  }

  /**
   * Uses up a live link of the clinic key (not a person's: those are used by registering a
   * passkey): its clinic, or null when unknown, used or expired. Atomic: once.
   */
  async consume(tokenHash: string, now: Date): Promise<string | null> {
    // TypeORM answers a DELETE as [rows, affected count].
    const [rows]: [{ clinic_id: string }[], number] = await this.ds.query(
      `DELETE FROM console_sign_in_links
       WHERE token_hash = $1 AND expires_at > $2 AND staff_id IS NULL
       RETURNING clinic_id`,
      [tokenHash, now],
    );
    return rows[0]?.clinic_id ?? null;
  }

  /** A live link, left unused (the page it opens, the start of a passkey registration). */
  async peek(tokenHash: string, now: Date): Promise<SignInLink | null> {
    const rows: { clinic_id: string; staff_id: string | null }[] = await this.ds.query(
      `SELECT clinic_id, staff_id FROM console_sign_in_links
       WHERE token_hash = $1 AND expires_at > $2`,
      [tokenHash, now],
    );
    return rows[0] ? { clinicId: rows[0].clinic_id, staffId: rows[0].staff_id } : null;
  }

  /** Uses up a person's live link inside `manager`'s transaction. Atomic: once. */
  async consumePersonal(
    manager: EntityManager,
    tokenHash: string,
    now: Date,
  ): Promise<SignInLink | null> {
    const [rows]: [{ clinic_id: string; staff_id: string }[], number] = await manager.query(
      `DELETE FROM console_sign_in_links
       WHERE token_hash = $1 AND expires_at > $2 AND staff_id IS NOT NULL
       RETURNING clinic_id, staff_id`,
      [tokenHash, now],
    );
    return rows[0] ? { clinicId: rows[0].clinic_id, staffId: rows[0].staff_id } : null;
  }

  async deleteForStaff(manager: EntityManager, staffId: string): Promise<void> {
    await manager.query(`DELETE FROM console_sign_in_links WHERE staff_id = $1`, [staffId]);
  }
}
