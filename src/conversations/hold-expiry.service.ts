import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueWork, SAFETY_POLL_MS } from '../common/due-work/due-work';
import { SlotHoldsRepository } from '../slots/slot-holds.repository';

const BATCH_SIZE = 500;

/** The due-work kind (and signal) of slot holds: an offer notifies it with its hold's end. */
export const HOLD_WORK = 'slot-holds';

/**
 * Due work for the due-work engine: slots whose 15-minute hold lapsed go back to open. Listing
 * and booking already read a lapsed hold as open; this keeps the rows saying so. Any number of
 * instances may run it (SKIP LOCKED).
 */
@Injectable()
export class HoldExpiry {
  constructor(
    private readonly holds: SlotHoldsRepository,
    private readonly clock: Clock,
  ) {}

  /** The due-work engine's pass: every lapsed hold, then when the next one lapses. */
  // The one producer (an offer's hold) signals its hold's end: the loop polls only as a net.
  @DueWork({
    name: 'slot-hold-expiry',
    kinds: [HOLD_WORK],
    poll: 'dispatchIntervalMs',
    safetyPollMs: SAFETY_POLL_MS,
    minGapMs: 1_000,
  })
  async pass(): Promise<Date | null> {
    while ((await this.runOnce()) === BATCH_SIZE);
    return this.holds.nextHoldExpiry();
  }

  /** Clears one batch of lapsed holds; returns how many. */
  runOnce(limit = BATCH_SIZE): Promise<number> {
    return this.holds.expireHolds(this.clock.now(), limit);
  }
}
