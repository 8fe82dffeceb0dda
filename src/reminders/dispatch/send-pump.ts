import type { SendJob } from './outbound-reminder';
import type { ReminderOutcome } from './outcomes';
import type { Slot } from './slot-reserver';

/** How long a wave waits for permits to come back before it goes with fewer. */
const WAVE_WAIT_MS = 2;
/** Reservations on their way at once: the next wave need not wait for the last one's answer. */
const RESERVATIONS_IN_FLIGHT = 2;

export interface PumpPorts {
  /** rate-cap slots for a wave, in one round trip */
  reserve(wave: SendJob[]): Promise<Slot[]>;
  /** one provider call at its slot; never rejects */
  send(job: SendJob, slot: Slot): Promise<ReminderOutcome>;
  outcome(outcome: ReminderOutcome): void;
  error(step: string, error: unknown): void;
}

/**
 * Sends what it is given with at most `concurrency` provider calls in flight. Sends go out in
 * waves: when permits are free, the next jobs take them and their slots are reserved together,
 * so a slot is handed out only when a permit is ready to use it on time, and the reservation
 * costs one round trip per wave rather than one per text.
 */
export class SendPump {
  private readonly ready: SendJob[] = [];
  private active = 0;
  private reserving = 0;
  private running = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly ports: PumpPorts,
  ) {}

  /** jobs waiting for a permit */
  get queued(): number {
    return this.ready.length;
  }

  get idle(): boolean {
    return this.ready.length === 0 && this.active === 0 && this.reserving === 0 && !this.running;
  }

  push(jobs: SendJob[]): void {
    this.ready.push(...jobs);
    if (!this.running && this.ready.length > 0) {
      this.running = true;
      void this.run().finally(() => {
        this.running = false;
        this.notify();
      });
    }
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

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private settle(report: () => void): void {
    this.active -= 1;
    report();
    this.notify();
  }

  private async run(): Promise<void> {
    while (this.ready.length > 0) {
      // A wave worth its round trip: wait a moment for half the permits, then take what is free.
      const wanted = Math.min(this.ready.length, Math.ceil(this.concurrency / 2));
      const free = this.concurrency - this.active;
      if (free < wanted || this.reserving >= RESERVATIONS_IN_FLIGHT) {
        await this.changed(WAVE_WAIT_MS);
        if (this.concurrency - this.active <= 0 || this.reserving >= RESERVATIONS_IN_FLIGHT) {
          continue;
        }
      }
      const wave = this.ready.splice(0, this.concurrency - this.active);
      this.active += wave.length;
      this.reserving += 1;
      // Not awaited: the next wave may reserve while this one's answer is on its way.
      void this.ports
        .reserve(wave)
        .then(
          (slots) => wave.forEach((job, i) => this.fire(job, slots[i])),
          (error: unknown) => {
            // Not sent and not recorded: each reminder is retried when its lease runs out.
            this.active -= wave.length;
            this.ports.error('reserve', error);
          },
        )
        .finally(() => {
          this.reserving -= 1;
          this.notify();
        });
    }
  }

  private fire(job: SendJob, slot: Slot): void {
    void this.ports.send(job, slot).then(
      (outcome) => this.settle(() => this.ports.outcome(outcome)),
      (error: unknown) => this.settle(() => this.ports.error('send', error)),
    );
  }
}
