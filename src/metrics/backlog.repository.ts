import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface Backlog {
  /** reminders whose time has come and that are not sent yet (waiting or being sent) */
  due: number;
  /** seconds since the oldest of them was due; 0 when there is none */
  oldestAgeSeconds: number;
}

/** Read-only: what the dispatcher still owes, as a scrape sees it. */
@Injectable()
export class BacklogRepository {
  constructor(private readonly ds: DataSource) {}

  async read(now: Date): Promise<Backlog> {
    const [row] = await this.ds.query<{ due: string; oldest: Date | null }[]>(
      `SELECT count(*) AS due, min(due_at) AS oldest
         FROM reminders
        WHERE status IN ('pending', 'sending') AND run_at <= $1`,
      [now],
    );
    const oldest = row.oldest ? new Date(row.oldest).getTime() : now.getTime();
    return {
      due: Number(row.due),
      oldestAgeSeconds: Math.max(0, (now.getTime() - oldest) / 1000),
    };
  }
}
