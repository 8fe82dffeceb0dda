import { retryDelayMs, type BackoffPolicy } from '../../common/due-work/backoff';
import { ProviderError } from '../../messaging/providers/sms-provider.port';

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
