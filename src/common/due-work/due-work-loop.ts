import { Logger } from '@nestjs/common';
import { FailureStreakLog } from '../../logging/failure-streak-log';
import type { Clock } from '../clock/clock';

/**
 * The due-work engine: rows that become due at a time stored in the database, claimed with
 * SKIP LOCKED under a lease (see `dueClaimSql`), retried with backoff (`retryDelayMs`), by a
 * loop that never overlaps itself (this class) and sleeps until the earliest due time it knows,
 * woken early when a producer commits something due sooner (`DueSignals`, LISTEN/NOTIFY, so
 * across instances). The poll period is only a safety net.
 *
 * Its users are the `@DueWork` registrations (grep for it); the DueWorkRunner makes their loops.
 *
 * Adding a new kind of due work:
 * 1. its table gets `run_at`, `lease_until`, `leased_by` (and `attempts` if it retries), with a
 *    partial index on `run_at` over the open rows;
 * 2. its repository claims with `dueClaimSql({ table, due, order, ... })` and reads the next due
 *    time (`SELECT min(run_at) ... WHERE <open> AND run_at > now`);
 * 3. its service has one `pass()` that claims, applies each row in a transaction (settling it
 *    there: done, or `run_at = now + retryDelayMs(attempts)`, or dead after its last attempt),
 *    and returns that next due time;
 * 4. that `pass()` is registered with `@DueWork({ name, kinds, poll })` (the DueWorkRunner makes
 *    and runs its loop); producers call `DueSignals.notify(m, kind, dueAt)` in their transaction.
 *    When every producer signals and the pass returns every time it can know of, add
 *    `safetyPollMs: SAFETY_POLL_MS`: the loop then looks unprompted once a minute, not every poll.
 */
export interface DueWorkLoopOptions {
  /** the longest the loop sleeps without looking; 0 turns the loop off (tests drive passes) */
  pollMs: number;
  /** at least this long between two passes started by due times, so a trickle is batched */
  minGapMs?: number;
  /** called when woken while a pass runs, so a long pass can look again when `at` comes */
  nudge?: (at: Date) => void;
  /**
   * How long before a due time its pass runs, for work whose pass takes what is due a little
   * ahead and holds it until its time (the outbound pipeline): the claim's round trip is then
   * made before the work is due instead of after. 0 (default): a pass runs at the due time.
   */
  leadMs?: number;
  /** told of every timer the loop arms or drops (null), so the app's SchedulerRegistry holds it */
  timer?: (timer: NodeJS.Timeout | null) => void;
}

/** A pass does the work due now and returns when more is due next (null: nothing known). */
export type DuePass = () => Promise<Date | null>;

export class DueWorkLoop {
  /** a pass failing over and over (the database down) is told in a few lines, not one a pass */
  private readonly failures: FailureStreakLog;
  private timer: NodeJS.Timeout | null = null;
  /** domain-clock ms the timer is set for */
  private armedFor = Number.POSITIVE_INFINITY;
  private running: Promise<void> | null = null;
  /** a wake that came while a pass ran: the earliest time asked for */
  private wokenFor = Number.POSITIVE_INFINITY;
  private stopped = true;

  constructor(
    readonly name: string,
    private readonly clock: Clock,
    private readonly pass: DuePass,
    private readonly options: DueWorkLoopOptions,
  ) {
    this.failures = new FailureStreakLog(new Logger(name), clock);
  }

  get enabled(): boolean {
    return this.options.pollMs > 0;
  }

  start(): void {
    if (!this.enabled) return;
    this.stopped = false;
    this.arm(this.clock.now().getTime());
  }

  /** Stops the loop and waits for a running pass to finish before the pool closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    await this.running;
  }

  /** Something is due at `at` (now when omitted): run a pass then, unless one is planned sooner. */
  wake(at?: Date): void {
    const atMs = at?.getTime() ?? this.clock.now().getTime();
    if (this.running) {
      this.wokenFor = Math.min(this.wokenFor, atMs - this.lead);
      this.options.nudge?.(new Date(atMs));
      return;
    }
    this.arm(atMs - this.lead);
  }

  private get lead(): number {
    return this.options.leadMs ?? 0;
  }

  /** One pass now, unless one is running (it never overlaps itself); resolves when it ends. */
  run(): Promise<void> {
    if (this.running) return this.running;
    this.disarm();
    const started = this.clock.now().getTime();
    let next = started + this.options.pollMs;
    this.running = this.pass()
      .then((due) => {
        this.failures.succeeded();
        if (due !== null) {
          const gap = this.options.minGapMs ?? 0;
          const at = due.getTime() - this.lead;
          next = Math.min(next, Math.max(at, this.clock.now().getTime() + gap));
        }
      })
      .catch((error: unknown) => {
        // Only the error's message: passes quote no patient data in their errors.
        this.failures.failed(`pass failed: ${error instanceof Error ? error.message : 'error'}`);
      })
      .finally(() => {
        this.running = null;
        const woken = this.wokenFor;
        this.wokenFor = Number.POSITIVE_INFINITY;
        this.arm(Math.min(next, woken));
      });
    return this.running;
  }

  private arm(atMs: number): void {
    if (this.stopped || atMs >= this.armedFor) return;
    this.disarm();
    this.armedFor = atMs;
    const delay = Math.max(0, atMs - this.clock.now().getTime());
    // Never longer than the poll: a clock a test holds still must not hang the loop.
    this.timer = setTimeout(() => void this.run(), Math.min(delay, this.options.pollMs));
    this.options.timer?.(this.timer);
  }

  private disarm(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.options.timer?.(null);
    }
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
  }
}
