import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface ReminderReadRow {
  appointment_id: string;
  offset: string;
  due_at: Date;
  status: string;
  sent_at: Date | null;
  reason: string | null;
}

export interface MessageReadRow {
  direction: string;
  kind: string;
  body: string;
  created_at: Date;
  status: string;
  segments: number;
  media: { url: string; contentType: string | null }[] | null;
}

export interface ExperimentReadRow {
  appointment_id: string;
  experiment_id: string;
  variant: string;
}

/** Read side of the appointment view: its reminders, messages and experiment variant. */
@Injectable()
export class AppointmentDetailsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async remindersFor(
    ids: string[],
    manager: EntityManager = this.ds.manager,
  ): Promise<ReminderReadRow[]> {
    return manager.query(
      `SELECT appointment_id, "offset", due_at, status, sent_at, reason FROM reminders
       WHERE appointment_id = ANY($1::uuid[]) ORDER BY appointment_id, due_at, created_at`,
      [ids],
    );
  }

  async messagesFor(id: string): Promise<MessageReadRow[]> {
    return this.ds.manager.query(
      // An answer can share its message's instant: the message comes first.
      `SELECT direction, kind, body, created_at, status, segments, media FROM messages
       WHERE appointment_id = $1 ORDER BY created_at, direction = 'outbound', id`,
      [id],
    );
  }

  async experimentsFor(ids: string[]): Promise<Map<string, { id: string; variant: string }>> {
    const rows: ExperimentReadRow[] = await this.ds.manager.query(
      `SELECT appointment_id, experiment_id, variant FROM experiment_assignments
       WHERE appointment_id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(
      rows.map((r) => [r.appointment_id, { id: r.experiment_id, variant: r.variant }]),
    );
  }
}
