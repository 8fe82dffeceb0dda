import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

@Injectable()
export class SignInLinksRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a new link; links past their expiry are cleared on the way. */
  async insert(clinicId: string, tokenHash: string, now: Date, expiresAt: Date): Promise<void> {
    await this.ds.query(
      `WITH expired AS (DELETE FROM console_sign_in_links WHERE expires_at <= $3)
       INSERT INTO console_sign_in_links (clinic_id, token_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4)`,
      [clinicId, tokenHash, now, expiresAt],
    );
  }

  /** Uses up a live link: its clinic, or null when unknown, used or expired. Atomic: once. */
  async consume(tokenHash: string, now: Date): Promise<string | null> {
    // TypeORM answers a DELETE as [rows, affected count].
    const [rows]: [{ clinic_id: string }[], number] = await this.ds.query(
      `DELETE FROM console_sign_in_links WHERE token_hash = $1 AND expires_at > $2
       RETURNING clinic_id`,
      [tokenHash, now],
    );
    return rows[0]?.clinic_id ?? null;
  }
}
