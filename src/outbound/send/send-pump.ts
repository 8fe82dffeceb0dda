import { ANSWER_PRIORITY } from '../message-kinds';
import type { SendOutcome } from '../record/outcomes';
import type { SendJob } from './send-job';
import { SLOT_HORIZON_MS, type Slot } from './slot-reserver';

/** How long a wave waits for permits to come back before it goes with fewer. */
const WAVE_WAIT_MS = 2;
/** Reservations on their way at once: the next wave need not wait for the last one's answer. */
const RESERVATIONS_IN_FLIGHT = 2;
/** A waiting text asks again this long before its sender is free, so its slot is in reach. */
const ASK_AHEAD_MS = SLOT_HORIZON_MS / 2;
/**
 * Texts held for their due time are released on a grid of this many milliseconds: those due
 * within one step go out as one wave (one slot reservation for several texts), for at most this
 * much lateness.
 */
export const RELEASE_STEP_MS = 10;
/**
 * A text held for its due time is looked at again this long before it is released (see
 * PumpPorts.recheck): long enough for the read to be back by then, so the check adds nothing to
 * the text's lateness. One held for less than this was read by its claim recently enough.
 */
export const RECHECK_AHEAD_MS = 2 * RELEASE_STEP_MS;

export interface PumpPorts {
  /** the Pacer's reading: real milliseconds */
  now(): number;
  /** rate-cap slots for a wave, in one round trip */
  reserve(wave: SendJob[]): Promise<Slot[]>;
  /** one provider call at its slot; null when woken too late to use it; never rejects */
  sendAt(job: SendJob, slot: { atMs: number }): Promise<SendOutcome | null>;
  /** the outcome of a text handed back to the database, to be due again in `inMs` */
  defer(job: SendJob, inMs: number): SendOutcome;
  outcome(outcome: SendOutcome): void;
  error(step: string, error: unknown): void;
  /**
   * Held texts about to be released, read again (one round trip for those released together):
   * resolves to those that must not go now (a cancellation since their claim). Those go back to
   * the database; should the read fail, the claim's decision stands.
   */
  recheck(jobs: SendJob[]): Promise<SendJob[]>;
}

interface Entry {
  job: SendJob;
  /** Pacer time this instance took it: it is held under a lease, which must not run out */
  heldSince: number;
  /** Pacer time at which to ask for a slot again */
  at: number;
  /** Pacer time before which it must not go out (a text taken ahead of its due time) */
  notBefore?: number;
  /** a held text: whether it was read again since its claim (see RECHECK_AHEAD_MS) */
  recheck?: 'due' | 'running' | 'done';
}

/**
 * Sends what it is given with at most `concurrency` provider calls in flight. Sends go out in
 * waves: when permits are free, the next texts take them and their slots are reserved together,
 * so a slot is handed out only when a permit is ready to use it on time, and the reservation
 * costs one round trip per wave rather than one per text. A text whose sender is busy, or
 * whose slot passed while this process stalled, waits here for another turn without a permit,
 * as long as it has been held less than `maxHoldMs`; then it goes back to the database, where
 * any instance may take it up when it is due.
 */
export class SendPump {
  private ready: Entry[] = [];
  private waiting: Entry[] = [];
  private active = 0;
  private reserving = 0;
  private running = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    /** how long a text may wait here for its sender's turn */
    private readonly maxHoldMs: number,
    /**
     * How long after it was taken a text may still be handed to the provider: well inside the
     * lease, so the call and its outcome finish before another instance could take it over. A
     * text still queued by then (a provider hanging on every call) goes back to the database.
     */
    private readonly sendWithinMs: number,
    private readonly ports: PumpPorts,
  ) {}

  /** texts that could go now if a permit were free */
  get queued(): number {
    return this.ready.length;
  }

  /** texts taken ahead of their due time and not yet released (see `hold`) */
  get holding(): number {
    return this.waiting.filter((e) => e.notBefore !== undefined && e.at > this.ports.now()).length;
  }

  get idle(): boolean {
    return (
      this.ready.length === 0 &&
      this.waiting.length === 0 &&
      this.active === 0 &&
      this.reserving === 0 &&
      !this.running
    );
  }

  /**
   * Shutting down: whatever has not gone out goes back to the database, due at once (a text
   * taken ahead of its time: due then).
   */
  handBack(): void {
    const entries = [...this.ready, ...this.waiting];
    this.ready = [];
    this.waiting = [];
    const now = this.ports.now();
    for (const entry of entries) {
      const inMs = Math.max(0, (entry.notBefore ?? now) - now);
      this.ports.outcome(this.ports.defer(entry.job, inMs));
    }
    this.notify();
  }

  /**
   * Texts taken ahead of their due time, each held here until `inMs` of it (Pacer ms from now),
   * then queued as `push` queues them. Held texts count in `idle` and `holding`, not in
   * `queued`.
   */
  hold(jobs: { job: SendJob; inMs: number }[]): void {
    const now = this.ports.now();
    for (const { job, inMs } of jobs) {
      const notBefore = now + Math.max(0, inMs);
      const at = Math.ceil(notBefore / RELEASE_STEP_MS) * RELEASE_STEP_MS;
      const recheck = at - now > RECHECK_AHEAD_MS ? 'due' : 'done';
      this.waiting.push({ job, heldSince: now, at, notBefore, recheck });
    }
    this.start();
  }

  /** Answers to patients go ahead of everything queued; the rest join the end. */
  push(jobs: SendJob[]): void {
    const now = this.ports.now();
    const entries = jobs.map((job) => ({ job, heldSince: now, at: now }));
    const answers = entries.filter(isAnswer);
    const routine = entries.filter((e) => !isAnswer(e));
    this.ready.unshift(...answers);
    this.ready.push(...routine);
    this.start();
  }

  /** Resolves at the next change (a wave sent, a call finished), or after `timeoutMs`. */
  changed(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      const waiter = () => done();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(waiter);
    });
  }

  /** Wakes whoever waits on `changed` now: the pass, told of new work or of shutdown. */
  wake(): void {
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private start(): void {
    if (this.running || (this.ready.length === 0 && this.waiting.length === 0)) return;
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
      this.notify();
      this.start();
    });
  }

  private async run(): Promise<void> {
    while (this.ready.length > 0 || this.waiting.length > 0 || this.reserving > 0) {
      const nextTurn = this.release();
      if (this.ready.length === 0) {
        await this.changed(Math.min(nextTurn - this.ports.now(), 50));
        continue;
      }
      // A wave worth its round trip: wait a moment for half the permits, then take what is free.
      // With a full queue (a burst), wait for all of them: one reservation then serves twice
      // the texts, and with every permit in one wave, nothing is left for a second one.
      const wanted =
        this.ready.length >= this.concurrency
          ? this.concurrency
          : Math.min(this.ready.length, Math.ceil(this.concurrency / 2));
      const free = this.concurrency - this.active;
      if (free < wanted || this.reserving >= RESERVATIONS_IN_FLIGHT) {
        const until = this.ports.now() + WAVE_WAIT_MS;
        while (
          (this.concurrency - this.active < wanted || this.reserving >= RESERVATIONS_IN_FLIGHT) &&
          this.ports.now() < until
        ) {
          await this.changed(until - this.ports.now());
        }
        if (this.concurrency - this.active <= 0 || this.reserving >= RESERVATIONS_IN_FLIGHT) {
          continue;
        }
      }
      const wave = this.ready.splice(0, this.concurrency - this.active);
      const now = this.ports.now();
      for (const stale of wave.filter((e) => now - e.heldSince > this.sendWithinMs)) {
        this.ports.outcome(this.ports.defer(stale.job, 0));
      }
      const fresh = wave.filter((e) => now - e.heldSince <= this.sendWithinMs);
      if (fresh.length > 0) this.startWave(fresh);
    }
  }

  /** Moves the texts whose turn has come to the front of the queue; returns the next turn. */
  private release(): number {
    const now = this.ports.now();
    this.recheck(this.waiting.filter((w) => w.recheck === 'due' && w.at - RECHECK_AHEAD_MS <= now));
    const released = (w: Entry) => w.at <= now && (w.recheck === undefined || w.recheck === 'done');
    const due = this.waiting.filter(released);
    if (due.length > 0) {
      this.waiting = this.waiting.filter((w) => !released(w));
      // Answers stay ahead of everything else.
      const all = [...due, ...this.ready];
      this.ready = [...all.filter(isAnswer), ...all.filter((e) => !isAnswer(e))];
    }
    // A text whose read is on its way waits for it (its answer notifies).
    return Math.min(...this.waiting.map(turnOf));
  }

  private recheck(entries: Entry[]): void {
    if (entries.length === 0) return;
    for (const entry of entries) entry.recheck = 'running';
    void this.ports
      .recheck(entries.map((e) => e.job))
      .then(
        (stopped) => {
          const stop = new Set(stopped);
          // Only those still held here: a hand-back may have taken them meanwhile.
          const back = entries.filter((e) => stop.has(e.job) && this.waiting.includes(e));
          this.waiting = this.waiting.filter((w) => !back.includes(w));
          for (const entry of back) this.ports.outcome(this.ports.defer(entry.job, 0));
        },
        (error: unknown) => this.ports.error('recheck', error),
      )
      .finally(() => {
        for (const entry of entries) entry.recheck = 'done';
        this.notify();
      });
  }

  private startWave(wave: Entry[]): void {
    this.active += wave.length;
    this.reserving += 1;
    // Not awaited: the next wave may reserve while this one's answer is on its way.
    void this.ports
      .reserve(wave.map((e) => e.job))
      .then(
        (slots) => wave.forEach((entry, i) => this.fire(entry, slots[i])),
        (error: unknown) => {
          // Not sent and not recorded: each text is retried when its lease runs out.
          this.active -= wave.length;
          this.ports.error('reserve', error);
        },
      )
      .finally(() => {
        this.reserving -= 1;
        this.notify();
      });
  }

  private fire(entry: Entry, slot: Slot): void {
    if (!slot.granted) {
      this.active -= 1;
      this.retryIn(entry, slot.freeInMs);
      this.notify();
      return;
    }
    void this.ports.sendAt(entry.job, slot).then(
      (outcome) => {
        this.active -= 1;
        if (outcome) this.ports.outcome(outcome);
        else this.retryIn(entry, 0);
        this.notify();
      },
      (error: unknown) => {
        this.active -= 1;
        this.ports.error('send', error);
        this.notify();
      },
    );
  }

  /** Another turn here while the hold is short; otherwise back to the database. */
  private retryIn(entry: Entry, inMs: number): void {
    const now = this.ports.now();
    if (now + inMs - entry.heldSince <= this.maxHoldMs) {
      this.waiting.push({ ...entry, at: now + inMs - ASK_AHEAD_MS });
    } else {
      this.ports.outcome(this.ports.defer(entry.job, inMs));
    }
  }
}

function turnOf(entry: Entry): number {
  if (entry.recheck === 'due') return entry.at - RECHECK_AHEAD_MS;
  if (entry.recheck === 'running') return Number.POSITIVE_INFINITY;
  return entry.at;
}

function isAnswer(entry: Entry): boolean {
  return entry.job.priority === ANSWER_PRIORITY;
}
