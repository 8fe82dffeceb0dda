import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface SentTextRow {
  id: string;
  to_number: string;
  from_number: string;
  body: string;
  status: string;
  segments: number;
  at: Date;
  kind: string;
  appointment_id: string | null;
  provider_message_id: string | null;
}

/** The fake provider "sends" nothing: what it shows as sent is the clinic's outbound message log. */
@Injectable()
export class SentTextsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async newest(clinicId: string, limit: number): Promise<SentTextRow[]> {
    return this.ds.query(
      `SELECT id, to_number, from_number, body, status, segments,
              coalesce(sent_at, created_at) AS at, kind, appointment_id, provider_message_id
       FROM messages
       WHERE clinic_id = $1 AND direction = 'outbound'
       ORDER BY coalesce(sent_at, created_at) DESC, id DESC
       LIMIT $2`,
      [clinicId, limit],
    );
  }
}
