import { retryDelayMs, type BackoffPolicy } from '../../common/due-work/backoff';

/**
 * When a provider is down for a sender, its texts stop going to it: each failed text already
 * retries on its own backoff, but thousands of texts failing together would each come back on
 * their own schedule and, together, hammer a provider that is struggling. The circuit turns
 * that into one probe per backoff step for the whole sender.
 */
export interface CircuitPolicy {
  /** transient failures in a row (no success between) that open the circuit */
  threshold: number;
  /** the wait before each probe: step 1 after opening, one step more per failed probe */
  backoff: BackoffPolicy;
  /** a probe not answered within this long no longer blocks the next one */
  probeTimeoutMs: number;
}

export const SENDER_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 8_000 };

interface State {
  /** transient failures since the last success */
  failures: number;
  /** 0 while closed; 1 when it opened, +1 per failed probe */
  step: number;
  /** clock ms before which nothing goes (open) */
  openUntil: number;
  /** clock ms until which the probe in flight blocks others (half-open); 0 when none */
  probeUntil: number;
}

export type Admission = { allowed: number; retryInMs: number };

/**
 * Per-sender circuit breakers, pure: time (ms) and jitter are read through functions passed in.
 * Closed: everything goes. Open: nothing goes until the backoff step ends. Half-open: one text
 * goes as the probe; its success closes the circuit, its failure opens it for a longer step.
 * Each instance keeps its own: with N instances a down provider sees at most N probes a step.
 */
export class SenderCircuits {
  private readonly states = new Map<string, State>();

  constructor(
    private readonly policy: CircuitPolicy,
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  /** How many of `wanted` texts for `sender` may be sent now, and when to ask again. */
  admit(sender: string, wanted: number): Admission {
    const s = this.states.get(sender);
    if (!s || s.step === 0) return { allowed: wanted, retryInMs: 0 };
    const now = this.now();
    if (now < s.openUntil) return { allowed: 0, retryInMs: s.openUntil - now };
    if (now < s.probeUntil) return { allowed: 0, retryInMs: s.probeUntil - now };
    if (wanted === 0) return { allowed: 0, retryInMs: 0 };
    s.probeUntil = now + this.policy.probeTimeoutMs;
    return { allowed: 1, retryInMs: this.policy.probeTimeoutMs };
  }

  /** The provider answered (even a refusal of one number): it is up. */
  succeeded(sender: string): void {
    this.states.delete(sender);
  }

  /** A transient failure (5xx, timeout, network, 429). True when it opened the circuit. */
  failed(sender: string): boolean {
    const s = this.states.get(sender) ?? { failures: 0, step: 0, openUntil: 0, probeUntil: 0 };
    this.states.set(sender, s);
    s.failures += 1;
    const now = this.now();
    if (s.step === 0) {
      if (s.failures < this.policy.threshold) return false;
      this.openFor(s, 1, now);
      return true;
    }
    // Open: a failure of a text sent before it opened says nothing new. Half-open: the probe's.
    if (s.probeUntil > 0) this.openFor(s, s.step + 1, now);
    return false;
  }

  /**
   * Senders held back now: open (waiting out a step) or half-open with a probe in flight. A
   * circuit whose step ended with nothing left to send holds nothing back: it is not counted,
   * or the gauge would stay up for ever for a sender whose texts were all sent elsewhere (by
   * another instance) or cancelled; its next text goes as the probe, as before.
   */
  get open(): number {
    const now = this.now();
    let n = 0;
    for (const s of this.states.values()) {
      if (s.step > 0 && (now < s.openUntil || now < s.probeUntil)) n += 1;
    }
    return n;
  }

  private openFor(s: State, step: number, now: number): void {
    s.step = step;
    s.probeUntil = 0;
    s.openUntil = now + retryDelayMs(step, undefined, this.random(), this.policy.backoff);
  }
}
