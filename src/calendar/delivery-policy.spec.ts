import { afterAttempt, GIVE_UP_AFTER_MS, nextAttemptDelayMs } from './delivery-policy';

describe('calendar delivery policy', () => {
  it('backs off exponentially from 10 s, capped at an hour', () => {
    expect([1, 2, 3, 4, 10, 11, 30].map(nextAttemptDelayMs)).toEqual([
      10_000, 20_000, 40_000, 80_000, 3600_000, 3600_000, 3600_000,
    ]);
  });

  it('retries until the next attempt would fall after the give-up time, then fails', () => {
    const start = new Date('2026-11-26T15:00:00Z');
    const giveUp = new Date(start.getTime() + GIVE_UP_AFTER_MS);
    expect(afterAttempt(true, 5, start, giveUp)).toEqual({ kind: 'delivered' });
    expect(afterAttempt(false, 1, start, giveUp)).toEqual({
      kind: 'retry',
      at: new Date('2026-11-26T15:00:10Z'),
    });
    const late = new Date(giveUp.getTime() - 60_000);
    expect(afterAttempt(false, 20, late, giveUp)).toEqual({ kind: 'failed' });
  });

  it('tries a receiver that stays down for the whole day a few dozen times', () => {
    const start = new Date('2026-11-26T15:00:00Z');
    const giveUp = new Date(start.getTime() + GIVE_UP_AFTER_MS);
    let now = start;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const next = afterAttempt(false, attempts, now, giveUp);
      if (next.kind !== 'retry') break;
      now = next.at;
    }
    expect(attempts).toBeGreaterThan(20);
    expect(attempts).toBeLessThan(40);
  });
});
