import { ProviderError } from '../../messaging/providers/sms-provider.port';

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

export type FailureDecision =
  | { action: 'retry'; runAt: Date; reason: string; code: string | null; detail: string }
  | {
      action: 'fail';
      reason: string;
      code: string | null;
      detail: string;
      /** the provider says the patient unsubscribed: record the opt-out */
      optOut: boolean;
    };

export interface FailureContext {
  /** provider calls made for this reminder, this one included */
  attempts: number;
  now: Date;
  startsAt: Date;
  random: number;
  policy?: BackoffPolicy;
}

/**
 * What a failed send means for the reminder. Transient errors (5xx, 429, timeouts, network)
 * retry until the appointment starts; permanent ones fail at once with the provider's code. An
 * error that is not a ProviderError is a bug of ours, not a verdict on the number: retried.
 */
export function decideAfterFailure(error: unknown, ctx: FailureContext): FailureDecision {
  const providerError = error instanceof ProviderError ? error : null;
  const code = providerError?.code ?? null;
  const detail = error instanceof Error ? error.message : String(error);
  const kind = providerError?.kind ?? 'transient';
  if (kind === 'opted_out') {
    return { action: 'fail', reason: 'opted_out', code, detail, optOut: true };
  }
  if (kind === 'permanent') {
    return { action: 'fail', reason: `rejected:${code ?? 'unknown'}`, code, detail, optOut: false };
  }
  const delay = retryDelayMs(ctx.attempts, providerError?.retryAfterMs, ctx.random, ctx.policy);
  const runAt = new Date(ctx.now.getTime() + delay);
  const label = `${kind}:${code ?? providerError?.httpStatus ?? 'error'}`;
  if (runAt.getTime() >= ctx.startsAt.getTime()) {
    return { action: 'fail', reason: `gave_up (${label})`, code, detail, optOut: false };
  }
  return { action: 'retry', runAt, reason: label, code, detail };
}
