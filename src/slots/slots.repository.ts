import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { FREED_STATUSES } from '../appointments/appointment.machine';
import { DueSignals } from '../common/due-work/due-signals';
import { FREED_TIME_WORK } from './slot-holds.repository';

export interface SlotWrite {
  practitioner: string;
  location: string | null;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
}

export interface SlotRow {
  id: string;
  practitioner: string;
  location: string | null;
  starts_at: Date;
  ends_at: Date;
  duration_minutes: number;
}

@Injectable()
export class SlotsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Upserts by (clinic, practitioner, start). A booked slot is never changed. Returns what
   * happened to each key: inserted, updated, or untouched (unchanged or booked).
   */
  async upsertMany(
    clinicId: string,
    slots: SlotWrite[],
    now: Date,
  ): Promise<Map<string, { id: string; outcome: 'created' | 'updated' | 'unchanged' | 'booked' }>> {
    return this.ds.transaction(async (m) => {
      const written: { id: string; practitioner: string; starts_at: Date; inserted: boolean }[] =
        await m.query(
          `INSERT INTO slots (clinic_id, practitioner, location, starts_at, ends_at, duration_minutes,
             freed_at, freed_reason, next_wave_at)
           SELECT $1, v.practitioner, v.location, v.starts_at, v.ends_at, v.duration_minutes,
                  $7, 'uploaded', $7
           FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[])
             AS v(practitioner, location, starts_at, ends_at, duration_minutes)
           ON CONFLICT (clinic_id, practitioner, starts_at) DO UPDATE
             SET location = EXCLUDED.location, ends_at = EXCLUDED.ends_at,
                 duration_minutes = EXCLUDED.duration_minutes, updated_at = now()
             WHERE slots.booked_appointment_id IS NULL
               AND (slots.location, slots.duration_minutes)
                   IS DISTINCT FROM (EXCLUDED.location, EXCLUDED.duration_minutes)
           RETURNING id, practitioner, starts_at, (xmax = 0) AS inserted`,
          [
            clinicId,
            slots.map((s) => s.practitioner),
            slots.map((s) => s.location),
            slots.map((s) => s.startsAt),
            slots.map((s) => s.endsAt),
            slots.map((s) => s.durationMinutes),
            now,
          ],
        );
      // New open time is freed time too: the backfill waves are told at commit.
      if (written.some((w) => w.inserted)) {
        const wake = DueSignals.wake(FREED_TIME_WORK);
        await m.query(`SELECT pg_notify($1, $2)`, [wake.channel, wake.payload]);
      }
      const out = new Map<
        string,
        { id: string; outcome: 'created' | 'updated' | 'unchanged' | 'booked' }
      >();
      for (const w of written) {
        out.set(slotKey(w.practitioner, w.starts_at), {
          id: w.id,
          outcome: w.inserted ? 'created' : 'updated',
        });
      }
      const untouched = slots.filter((s) => !out.has(slotKey(s.practitioner, s.startsAt)));
      if (untouched.length > 0) {
        const rows: { id: string; practitioner: string; starts_at: Date; booked: boolean }[] =
          await m.query(
            `SELECT s.id, s.practitioner, s.starts_at, s.booked_appointment_id IS NOT NULL AS booked
             FROM slots s JOIN unnest($2::text[], $3::timestamptz[]) AS v(practitioner, starts_at)
               ON s.practitioner = v.practitioner AND s.starts_at = v.starts_at
             WHERE s.clinic_id = $1`,
            [clinicId, untouched.map((s) => s.practitioner), untouched.map((s) => s.startsAt)],
          );
        for (const r of rows) {
          out.set(slotKey(r.practitioner, r.starts_at), {
            id: r.id,
            outcome: r.booked ? 'booked' : 'unchanged',
          });
        }
      }
      return out;
    });
  }

  /** Open slots: not booked, not held by a live offer, not overlapping a live appointment. */
  async listOpen(
    clinicId: string,
    f: { from: Date; to?: Date; practitioner?: string; now: Date; limit: number },
  ): Promise<SlotRow[]> {
    const params: unknown[] = [clinicId, f.from, f.now];
    let where = '';
    if (f.to) {
      params.push(f.to);
      where += ` AND s.starts_at < $${params.length}`;
    }
    if (f.practitioner) {
      params.push(f.practitioner);
      where += ` AND s.practitioner = $${params.length}`;
    }
    // The practitioner's time is taken by every appointment that did not give it back.
    params.push(FREED_STATUSES, f.limit);
    return this.ds.manager.query(
      `SELECT s.id, s.practitioner, s.location, s.starts_at, s.ends_at, s.duration_minutes
       FROM slots s
       WHERE s.clinic_id = $1 AND s.starts_at >= $2 AND s.booked_appointment_id IS NULL
         AND (s.held_until IS NULL OR s.held_until <= $3) ${where}
         AND NOT EXISTS (
           SELECT 1 FROM appointments a
           WHERE a.clinic_id = s.clinic_id AND a.practitioner = s.practitioner
             AND a.status <> ALL($${params.length - 1}::text[])
             AND tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(s.starts_at, s.ends_at, '[)'))
       ORDER BY s.starts_at, s.practitioner
       LIMIT $${params.length}`,
      params,
    );
  }
}

export function slotKey(practitioner: string, startsAt: Date): string {
  return `${practitioner}|${startsAt.toISOString()}`;
}
