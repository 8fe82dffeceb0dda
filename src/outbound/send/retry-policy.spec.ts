import { ProviderError } from '../../messaging/providers/sms-provider.port';
import { DEFAULT_BACKOFF, retryDelayMs } from '../../common/due-work/backoff';
import { decideAfterFailure } from './retry-policy';

const NOW = new Date('2026-12-01T15:00:00Z');
const IN_A_DAY = new Date('2026-12-02T15:00:00Z');

describe('retryDelayMs', () => {
  it('doubles each attempt, half fixed and half random', () => {
    expect(retryDelayMs(1, undefined, 0)).toBe(1_000);
    expect(retryDelayMs(1, undefined, 0.999999)).toBe(2_000);
    expect(retryDelayMs(2, undefined, 0)).toBe(2_000);
    expect(retryDelayMs(3, undefined, 0.5)).toBe(6_000);
    expect(retryDelayMs(4, undefined, 0)).toBe(8_000);
  });

  it('never waits longer than the cap', () => {
    expect(retryDelayMs(40, undefined, 0.999999)).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
    expect(retryDelayMs(40, undefined, 0.999999)).toBeGreaterThan(DEFAULT_BACKOFF.capMs * 0.99);
    expect(retryDelayMs(40, undefined, 0)).toBe(DEFAULT_BACKOFF.capMs / 2);
  });

  it('waits at least as long as the provider asked', () => {
    expect(retryDelayMs(1, 120_000, 0.3)).toBe(120_000);
    expect(retryDelayMs(5, 1_000, 0)).toBe(16_000);
  });

  it('spreads a batch that failed together', () => {
    const delays = new Set([0.1, 0.3, 0.5, 0.7, 0.9].map((r) => retryDelayMs(3, undefined, r)));
    expect(delays.size).toBe(5);
  });
});

describe('decideAfterFailure', () => {
  const ctx = { attempts: 1, now: NOW, startsAt: IN_A_DAY, random: 0 };

  it('retries a 5xx with backoff', () => {
    const error = new ProviderError('transient', 'twilio: HTTP 503', undefined, undefined, 503);
    expect(decideAfterFailure(error, ctx)).toEqual({
      action: 'retry',
      runAt: new Date(NOW.getTime() + 1_000),
      reason: 'transient:503',
      code: null,
      detail: 'twilio: HTTP 503',
    });
  });

  it('retries a 429 no sooner than its Retry-After', () => {
    const error = new ProviderError('rate_limited', 'twilio: Too Many Requests', '20429', 30_000);
    expect(decideAfterFailure(error, ctx)).toMatchObject({
      action: 'retry',
      runAt: new Date(NOW.getTime() + 30_000),
      reason: 'rate_limited:20429',
    });
  });

  it('retries a timeout', () => {
    const error = new ProviderError('transient', 'twilio: no response within 100 ms', 'timeout');
    expect(decideAfterFailure(error, ctx)).toMatchObject({
      action: 'retry',
      reason: 'transient:timeout',
    });
  });

  it('treats an error of our own as transient', () => {
    expect(decideAfterFailure(new TypeError('boom'), ctx)).toMatchObject({
      action: 'retry',
      reason: 'transient:error',
      detail: 'boom',
    });
  });

  it('gives up when the next attempt would fall at or after the start', () => {
    const error = new ProviderError('transient', 'twilio: HTTP 500', undefined, undefined, 500);
    const soon = { ...ctx, startsAt: new Date(NOW.getTime() + 1_000) };
    expect(decideAfterFailure(error, soon)).toMatchObject({
      action: 'fail',
      reason: 'gave_up (transient:500)',
      optOut: false,
    });
  });

  it('fails a permanent error at once, naming the code', () => {
    const error = new ProviderError('permanent', 'twilio: invalid To', '21211', undefined, 400);
    expect(decideAfterFailure(error, ctx)).toEqual({
      action: 'fail',
      reason: 'rejected:21211',
      code: '21211',
      detail: 'twilio: invalid To',
      optOut: false,
    });
  });

  it('fails an unsubscribed recipient and asks for the opt-out to be recorded', () => {
    const error = new ProviderError('opted_out', 'twilio: unsubscribed', '21610', undefined, 400);
    expect(decideAfterFailure(error, ctx)).toMatchObject({
      action: 'fail',
      reason: 'opted_out',
      optOut: true,
    });
  });
});
