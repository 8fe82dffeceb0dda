import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { decideAtClaim, type ClaimDecision } from './claim-decision';
import type { ClaimedReminder } from './claimed-reminder';
import { ClaimsRepository } from './claims.repository';
import { DISPATCH_INSTANCE_ID } from './dispatch-instance';
import { InFlight } from './in-flight';
import { OutcomeRecorder } from './outcome-recorder';
import { buildSendJob, type SendJob } from './outbound-reminder';
import { OUTCOME_KINDS, type OutcomeKind, type ReminderOutcome } from './outcomes';
import { Pacer } from './pacer';
import { Randomness } from './randomness';
import { ReminderSender } from './reminder-sender';
import { SendPump } from './send-pump';
import { SlotReserver } from './slot-reserver';

export type DispatchReport = { claimed: number } & Record<OutcomeKind, number>;

/** Claims on their way at once: one claim's round trip is hidden behind the other's. */
const CLAIMS_IN_FLIGHT = 2;

/**
 * Turns due reminders into texts: claim a batch under a lease, re-check each one, write the
 * outbound message rows, then send with bounded concurrency under each sender's rate cap and
 * record each outcome. Claims go on while earlier sends are in flight, so a slow provider or a
 * rate-capped sender does not hold up everyone else's reminders.
 */
@Injectable()
export class ReminderDispatcher {
  private readonly logger = new Logger('ReminderDispatcher');
  private stopping = false;
  /** while sends are in flight and nothing more was due, look again this often */
  private readonly pollMs: number;
  /** how often claims also take reminders whose lease ran out, and when they last did (ms) */
  private readonly leaseSweepMs: number;
  private lastLeaseSweep = Number.NEGATIVE_INFINITY;
  /**
   * How long a claimed text may wait in this process for its sender's turn: far inside the
   * lease, so no other instance can have taken the reminder over in the meantime.
   */
  private readonly maxHoldMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DISPATCH_INSTANCE_ID) private readonly instanceId: string,
    private readonly clock: Clock,
    private readonly pacer: Pacer,
    private readonly random: Randomness,
    private readonly claims: ClaimsRepository,
    private readonly slots: SlotReserver,
    private readonly sender: ReminderSender,
    private readonly recorder: OutcomeRecorder,
  ) {
    this.pollMs = Math.min(100, Math.max(20, config.dispatchIntervalMs));
    this.leaseSweepMs = Math.min(5_000, config.dispatchLeaseMs / 4);
    this.maxHoldMs = Math.min(5_000, config.dispatchLeaseMs / 4);
  }

  /** Claims nothing more; work already claimed is finished by the running tick. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Sends everything due now and returns once every claimed reminder has its outcome recorded.
   * The scheduler calls it on an interval; tests call it directly with a manual clock.
   */
  async tick(): Promise<DispatchReport> {
    const counts = Object.fromEntries([
      ['claimed', 0],
      ...OUTCOME_KINDS.map((kind) => [kind, 0]),
    ]) as DispatchReport;
    const recording = new InFlight();
    const leaseMs = this.config.dispatchLeaseMs;
    const pump = new SendPump(this.config.dispatchConcurrency, this.maxHoldMs, leaseMs / 2, {
      now: () => this.pacer.elapsedMs(),
      reserve: (wave) => this.slots.reserve(wave.map((job) => senderOf(job.reminder))),
      sendAt: (job, slot) => this.sender.sendAt(job, slot),
      defer: (job, inMs) => this.sender.deferred(job, inMs),
      outcome: (outcome) => recording.track(this.finish(outcome, counts)),
      error: (step, error) => this.fail(step, error),
    });
    const batchSize = this.config.dispatchBatchSize;
    const claiming = new Set<Promise<void>>();
    // Set from the claims' callbacks: a field, so the checks below read its current value.
    const claimFailure: { error: Error | null } = { error: null };
    // Pacer time of the last claim that found less than a full batch: nothing more was due.
    let drainedAt: number | null = null;
    const sinceDrained = () => (drainedAt === null ? Infinity : this.pacer.elapsedMs() - drainedAt);
    // Up to two claims on their way, and about two batches waiting for permits at most:
    // claimed rows wait under a lease, and a claim's round trip should not idle the senders.
    const mayClaim = () =>
      !this.stopping &&
      claimFailure.error === null &&
      claiming.size < CLAIMS_IN_FLIGHT &&
      pump.queued + claiming.size * batchSize < CLAIMS_IN_FLIGHT * batchSize &&
      sinceDrained() >= this.pollMs;
    try {
      for (;;) {
        while (mayClaim()) {
          const claim: Promise<void> = this.claimBatch(pump, recording, counts)
            .then((claimed) => {
              counts.claimed += claimed;
              drainedAt = claimed < batchSize ? this.pacer.elapsedMs() : null;
            })
            .catch((error: unknown) => {
              claimFailure.error = error instanceof Error ? error : new Error(String(error));
            })
            .finally(() => claiming.delete(claim));
          claiming.add(claim);
        }
        // Stopping: texts not yet on their way go back for another instance, now.
        if (this.stopping) pump.handBack();
        if (claiming.size === 0) {
          if (claimFailure.error !== null) throw claimFailure.error;
          if (pump.idle && (drainedAt !== null || this.stopping)) break;
        }
        // Until something changes, or until it is time to look for due reminders again.
        const wait = sinceDrained() < this.pollMs ? this.pollMs - sinceDrained() : this.pollMs;
        await Promise.race([pump.changed(wait), ...claiming]);
      }
    } finally {
      await Promise.all(claiming);
      while (!pump.idle) await pump.changed(this.pollMs);
      await recording.atMost(0);
      await this.recorder.idle();
    }
    return counts;
  }

  private async claimBatch(
    pump: SendPump,
    recording: InFlight,
    counts: DispatchReport,
  ): Promise<number> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.config.dispatchLeaseMs);
    // Leases run out only when an instance dies: looking for them every few seconds is enough.
    // (A clock set back, as tests do, counts as time passing.)
    const sweep = Math.abs(now.getTime() - this.lastLeaseSweep) >= this.leaseSweepMs;
    if (sweep) this.lastLeaseSweep = now.getTime();
    const rows = await this.claims.claim(
      this.instanceId,
      now,
      leaseUntil,
      this.config.dispatchBatchSize,
      sweep,
    );
    const jobs: SendJob[] = [];
    for (const reminder of rows) {
      const decision = decideAtClaim(factsOf(reminder), now);
      if (decision.action === 'send') {
        const id = this.random.uuid();
        jobs.push(buildSendJob(reminder, decision.template, now, this.config.publicBaseUrl, id));
      } else {
        recording.track(this.finish(notSent(reminder, decision), counts));
      }
    }
    // Written before any provider call: a crash mid-send leaves a trace of what may have gone out.
    await this.claims.insertMessages(jobs, now);
    pump.push(jobs);
    return rows.length;
  }

  private async finish(outcome: ReminderOutcome, counts: DispatchReport): Promise<void> {
    counts[outcome.kind] += 1;
    // On failure the reminder stays `sending` and is retried when its lease runs out.
    await this.recorder.record(outcome).catch((error: unknown) => this.fail('record', error));
  }

  private fail(step: string, error: unknown): void {
    // Only database errors and our own bugs get here (a provider's answer is an outcome); they
    // quote no patient data.
    this.logger.error(`${step} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function senderOf(r: ClaimedReminder) {
  return {
    providerType: r.clinic.providerType,
    senderNumber: r.clinic.senderNumber,
    ratePerSecond: r.clinic.sendRatePerSecond,
  };
}

function factsOf(r: ClaimedReminder) {
  return {
    appointmentStatus: r.appointmentStatus,
    startsAt: r.startsAt,
    plannedFor: r.plannedFor,
    optedOut: r.patientOptedOut,
    zone: r.patientTimezone ?? r.clinic.timezone,
    quietHours: r.clinic.quietHours,
  };
}

function notSent(
  r: ClaimedReminder,
  decision: Exclude<ClaimDecision, { action: 'send' }>,
): ReminderOutcome {
  return decision.action === 'skip'
    ? { kind: 'skipped', reminderId: r.id, reason: decision.reason }
    : { kind: 'rescheduled', reminderId: r.id, runAt: decision.runAt, reason: 'quiet_hours' };
}
