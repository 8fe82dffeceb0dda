/** How long a calendar event is retried before it is kept as failed. */
export const GIVE_UP_AFTER_MS = 24 * 3600_000;
const FIRST_RETRY_MS = 10_000;
const MAX_RETRY_MS = 3600_000;

/**
 * The wait before attempt `attempts + 1`: 10 s doubling to an hour. A receiver that is down
 * for a while is tried about 30 times in the day, never hammered, and back within the hour.
 */
export function nextAttemptDelayMs(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

export type AttemptOutcome =
  { kind: 'delivered' } | { kind: 'retry'; at: Date } | { kind: 'failed' };

/**
 * What an answer (or no answer) means for a delivery made for the `attempts`-th time. A store
 * that said when to come back (Retry-After on a 429 or 503) is left alone until then.
 */
export function afterAttempt(
  ok: boolean,
  attempts: number,
  now: Date,
  giveUpAt: Date,
  retryAt?: Date,
): AttemptOutcome {
  if (ok) return { kind: 'delivered' };
  const at =
    retryAt && retryAt.getTime() > now.getTime()
      ? retryAt
      : new Date(now.getTime() + nextAttemptDelayMs(attempts));
  return at.getTime() > giveUpAt.getTime() ? { kind: 'failed' } : { kind: 'retry', at };
}
