import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClinicEntity } from '../clinics/clinic.entity';

@Injectable()
export class ConsoleSessionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a new session; sessions past their expiry are cleared on the way. */
  async insert(clinicId: string, tokenHash: string, now: Date, expiresAt: Date): Promise<void> {
    await this.ds.query(
      `WITH expired AS (DELETE FROM console_sessions WHERE expires_at <= $3)
       INSERT INTO console_sessions (clinic_id, token_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4)`,
      [clinicId, tokenHash, now, expiresAt],
    );
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
}
