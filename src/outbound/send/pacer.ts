import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Real elapsed time, for pacing sends to their rate-cap slots. Distinct from the domain Clock:
 * a slot is a real instant at the provider, whatever a test has set the calendar to, and a
 * monotonic reading cannot jump when the wall clock is corrected.
 */
export abstract class Pacer {
  /** milliseconds on a monotonic scale with an arbitrary origin */
  abstract elapsedMs(): number;
  abstract sleep(ms: number): Promise<void>;
}

export class RealPacer extends Pacer {
  elapsedMs(): number {
    return performance.now();
  }

  async sleep(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms);
  }
}
