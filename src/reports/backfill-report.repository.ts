import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** One freed slot of the range: its practitioner, how often it was offered, when filled. */
export interface FreedSlotRow {
  practitioner: string;
  offer_texts: number;
  /** minutes from freeing to the booking, null when no one took it from the waitlist */
  minutes_to_fill: number | null;
}

@Injectable()
export class BackfillReportRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Freed slots whose local start date (in `zone`) is in [from, to). */
  freedSlots(clinicId: string, zone: string, from: string, to: string): Promise<FreedSlotRow[]> {
    return this.ds.query(
      `SELECT s.practitioner,
              (SELECT count(*)::int FROM waitlist_offers o WHERE o.slot_id = s.id) AS offer_texts,
              (SELECT extract(epoch FROM min(o.closed_at) - s.freed_at) / 60
               FROM waitlist_offers o
               WHERE o.slot_id = s.id AND o.closed_reason = 'booked')::float AS minutes_to_fill
       FROM slots s
       WHERE s.clinic_id = $1 AND s.freed_at IS NOT NULL
         AND (s.starts_at AT TIME ZONE $2)::date >= $3::date
         AND (s.starts_at AT TIME ZONE $2)::date < $4::date`,
      [clinicId, zone, from, to],
    );
  }

  /** Practitioners of the appointments re-booked after a missed visit, one row each. */
  rebooked(
    clinicId: string,
    zone: string,
    from: string,
    to: string,
  ): Promise<{ practitioner: string | null }[]> {
    return this.ds.query(
      `SELECT a.practitioner FROM appointments a
       WHERE a.clinic_id = $1 AND a.rebook_of IS NOT NULL
         AND (a.starts_at AT TIME ZONE $2)::date >= $3::date
         AND (a.starts_at AT TIME ZONE $2)::date < $4::date`,
      [clinicId, zone, from, to],
    );
  }
}
