import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { FreedReason, FreedTime, FreedTimeOf } from '../appointments/freed-time.port';
import { SlotHoldsRepository } from './slot-holds.repository';

/** Freed time becomes an open slot of its practitioner, marked for the backfill waves. */
@Injectable()
export class SlotFreedTime extends FreedTime {
  constructor(private readonly holds: SlotHoldsRepository) {
    super();
  }

  async record(
    m: EntityManager,
    freed: FreedTimeOf,
    reason: FreedReason,
    now: Date,
    options: { keep?: string | null; cascadeDepth?: number } = {},
  ): Promise<void> {
    // Time already past frees nothing anyone could use; without a practitioner there is no slot.
    if (!freed.practitioner || freed.startsAt <= now) return;
    await this.holds.free(
      m,
      {
        ...freed,
        practitioner: freed.practitioner,
        reason,
        at: now,
        cascadeDepth: options.cascadeDepth,
      },
      options.keep ?? null,
    );
  }
}
