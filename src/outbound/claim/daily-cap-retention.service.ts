import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { DueWork } from '../../common/due-work/due-work';
import { DailyCapsRepository } from './daily-caps.repository';

const BATCH_SIZE = 10_000;
/** Counters are per day: looking every few hours keeps the table to a few days' rows. */
const LOOK_AGAIN_MS = 6 * 60 * 60 * 1000;
/**
 * Zones run from UTC-12 to UTC+14: while the UTC date is D, local days D-1 to D+1 are running
 * somewhere, and days before D-1 are over everywhere, so their counts can no longer matter.
 */
const KEEP_DAYS = 1;

/**
 * Due work: the daily cap's counter rows (`patient_daily_texts`, one per patient and local day
 * with a routine text) are deleted once their day is over everywhere.
 */
@Injectable()
export class DailyCapRetention {
  constructor(
    private readonly caps: DailyCapsRepository,
    private readonly clock: Clock,
  ) {}

  /** Nothing signals it: it runs at start and every LOOK_AGAIN_MS. */
  @DueWork({ name: 'daily-cap-retention', poll: 'dispatchIntervalMs', safetyPollMs: LOOK_AGAIN_MS })
  async pass(): Promise<Date | null> {
    const now = this.clock.now();
    const before = new Date(now.getTime() - KEEP_DAYS * 86_400_000).toISOString().slice(0, 10);
    while ((await this.caps.purgeBefore(before, BATCH_SIZE)) === BATCH_SIZE);
    return new Date(now.getTime() + LOOK_AGAIN_MS);
  }
}
