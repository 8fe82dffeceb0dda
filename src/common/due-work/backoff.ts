/** Retry delays for due work: the outbound pipeline and the webhook inbox use the same curve. */
export interface BackoffPolicy {
  /** the first retry waits between half of this and all of it */
  baseMs: number;
  /** no wait grows beyond this */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 30 * 60_000 };

/**
 * Exponential backoff with "equal jitter": half of the step is fixed, half random. The fixed
 * half means a struggling provider is never hit again at once; the random half spreads the
 * retries of a whole batch that failed together. A Retry-After from the provider is a floor.
 *
 * @param attempt 1 for the first retry
 * @param random a number in [0, 1)
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  random: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(step / 2 + random * (step / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}
