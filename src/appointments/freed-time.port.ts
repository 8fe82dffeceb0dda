import type { EntityManager } from 'typeorm';

/** How time came free (kept on the slot, for the backfill report). */
export type FreedReason =
  | 'cancelled_by_text'
  | 'cancelled_by_staff'
  | 'cancelled_by_upload'
  | 'moved'
  | 'no_show'
  | 'uploaded';

export interface FreedTimeOf {
  clinicId: string;
  appointmentId: string;
  practitioner: string | null;
  location: string | null;
  type: string | null;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
}

/**
 * Where the workflow records the time an appointment leaves (cancelled, moved away, a no-show
 * before it starts), in the transaction that frees it: it becomes an open slot, offered to the
 * waitlist when the clinic fills freed time. `keep`: the slot the appointment has just booked.
 */
export abstract class FreedTime {
  abstract record(
    m: EntityManager,
    freed: FreedTimeOf,
    reason: FreedReason,
    now: Date,
    options?: { keep?: string | null; cascadeDepth?: number },
  ): Promise<void>;
}
