import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueWork } from '../common/due-work/due-work';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { decideAtClaim, stoppedSincePlanned, type ClaimDecision } from './claim/claim-decision';
import type { ClaimedReminder } from './claim/claimed-reminder';
import { ReminderClaimsRepository } from './claim/reminder-claims.repository';
import { INSTANCE_ID } from '../common/instance/instance-id';
import { InFlight } from './record/in-flight';
import { MessageClaimsRepository, type ClaimedMessage } from './claim/message-claims.repository';
import { decideAtSend, messageJob, type MessageDecision } from './claim/message-decision';
import { ANSWER_PRIORITY, OUTBOUND_TEXTS, OUTBOUND_WORK } from './message-kinds';
import { OutboundSender } from './send/outbound-sender';
import { buildSendJob } from './claim/outbound-reminder';
import { OutcomeRecorder } from './record/outcome-recorder';
import { OUTCOME_KINDS, type OutcomeKind, type SendOutcome } from './record/outcomes';
import { Pacer } from './send/pacer';
import { Randomness } from './randomness';
import type { SendJob } from './send/send-job';
import { SendPump } from './send/send-pump';
import { SlotReserver } from './send/slot-reserver';

export type DispatchReport = { claimed: number; nextDueAt: Date | null } & Record<
  OutcomeKind,
  number
>;

/** Claims on their way at once: one claim's round trip is hidden behind the other's. */
export const CLAIMS_IN_FLIGHT = 2;
/**
 * Between two claims that found little: texts due a few milliseconds apart go together, so a
 * steady trickle costs a claim per batch, not one per text, for at most this much lateness.
 */
const MIN_CLAIM_GAP_MS = 10;
/** Producers wake the pipeline; should a signal be lost, their texts are looked for this often. */
const TEXTS_POLL_MS = 1_000;
/**
 * Reminders' planners wake the pipeline with a signal of their own (`remindersDue`); between
 * signalled passes, reminders are looked for when the next one known may be claimed, or this
 * often should a signal be lost. A text's wake-up then costs no reminder claim.
 */
const REMINDERS_POLL_MS = 1_000;
/**
 * Reminders due up to this far ahead are claimed with those due now and held here until their
 * time (decided for that time, their message rows written meanwhile): the claim's and the
 * insert's round trips are made before a reminder is due, not between its due time and its
 * send. A claim is made when the next reminder is half this far ahead, so each is taken 50 to
 * 100 ms before its time, well inside its lease. Producers' texts are due when written: not
 * taken ahead.
 */
export const CLAIM_AHEAD_MS = 100;

/**
 * The outbound pipeline: every text Turnout sends goes through here. Two sources feed it:
 * producers' message rows (answers, staff texts...) and due reminders, which are claimed,
 * re-checked and written as message rows here. Each batch is claimed under a lease; texts go
 * out with bounded concurrency under each sender's rate cap, answers first, and each outcome
 * is recorded. Claims go on while earlier sends are in flight, so a slow provider or a
 * rate-capped sender does not hold up everyone else's texts.
 */
@Injectable()
export class OutboundDispatcher {
  private readonly logger = new Logger('OutboundDispatcher');
  private stopping = false;
  /** while sends are in flight, look for due work at least this often */
  private readonly pollMs: number;
  /** how often claims also take work whose lease ran out, and when they last did (ms) */
  private readonly leaseSweepMs: number;
  private lastLeaseSweep = Number.NEGATIVE_INFINITY;
  /**
   * How long a claimed text may wait in this process for its sender's turn: far inside the
   * lease, so no other instance can have taken it over in the meantime.
   */
  private readonly maxHoldMs: number;
  /** Pacer time at which the running tick should claim again; moved by `nudge` */
  private claimAt = 0;
  private wakeTick: (() => void) | null = null;
  /** domain time at which producers' texts may next be due (they also wake us: `nudge`) */
  private textsDueAt = 0;
  /** the earliest due text the last look found (domain ms) */
  private textsNextDue = Infinity;
  /** domain time from which reminders may be claimable (claimed up to CLAIM_AHEAD_MS ahead) */
  private remindersDueAt = 0;
  /** the earliest due reminder the last look found, or a signal told of (domain ms) */
  private remindersNextDue = Infinity;
  /**
   * The earliest `remindersDueAt` signals asked for since the running look began: kept over
   * what that look finds, which may have missed what they signal.
   */
  private remindersWokenAt = Infinity;
  /** domain time of the last look for reminders: a clock set back (tests) looks again */
  private remindersLookedAt = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly clock: Clock,
    private readonly pacer: Pacer,
    private readonly random: Randomness,
    private readonly claims: ReminderClaimsRepository,
    private readonly messages: MessageClaimsRepository,
    private readonly slots: SlotReserver,
    private readonly sender: OutboundSender,
    private readonly recorder: OutcomeRecorder,
  ) {
    this.pollMs = 100;
    this.leaseSweepMs = Math.min(5_000, config.dispatchLeaseMs / 4);
    this.maxHoldMs = Math.min(5_000, config.dispatchLeaseMs / 4);
  }

  /** Claims nothing more; work already claimed is finished by the running tick. */
  stop(): void {
    this.stopping = true;
    this.nudge();
  }

  /** Something is due at `at` (now when omitted): the running tick claims then. */
  nudge(at?: Date): void {
    const inMs = at ? Math.max(0, at.getTime() - this.clock.now().getTime()) : 0;
    const claimIn = Math.max(0, inMs - CLAIM_AHEAD_MS / 2);
    this.claimAt = Math.min(this.claimAt, this.pacer.elapsedMs() + claimIn);
    this.textsDueAt = Math.min(this.textsDueAt, this.clock.now().getTime() + inMs);
    this.textsNextDue = Math.min(this.textsNextDue, this.clock.now().getTime() + inMs);
    if (claimIn === 0) this.wakeTick?.();
  }

  /** A reminders' signal: some are due at `at` (now when omitted). */
  remindersDue(at?: Date): void {
    const atMs = at?.getTime() ?? this.clock.now().getTime();
    this.remindersDueAt = Math.min(this.remindersDueAt, atMs - CLAIM_AHEAD_MS);
    this.remindersWokenAt = Math.min(this.remindersWokenAt, atMs - CLAIM_AHEAD_MS);
    this.remindersNextDue = Math.min(this.remindersNextDue, atMs);
  }

  /** A producers' texts signal: one is due at `at` (now when omitted). */
  textsDue(at?: Date): void {
    const atMs = at?.getTime() ?? this.clock.now().getTime();
    this.textsDueAt = Math.min(this.textsDueAt, atMs);
    this.textsNextDue = Math.min(this.textsNextDue, atMs);
  }

  /**
   * The due-work engine's pass. One loop, two signals: a text's wake-up makes it look for texts
   * only, and what it knew of the reminders still holds (the signals keep it told of new ones).
   * Reminders are claimed ahead of their time (see CLAIM_AHEAD_MS). On shutdown it claims
   * nothing more, and the sends in flight finish and are recorded before the pool closes.
   */
  @DueWork<OutboundDispatcher>({
    name: 'outbound-dispatch',
    kinds: [OUTBOUND_WORK, OUTBOUND_TEXTS],
    poll: 'dispatchIntervalMs',
    leadMs: CLAIM_AHEAD_MS / 2,
    heard: (d, kind, at) => (kind === OUTBOUND_WORK ? d.remindersDue(at) : d.textsDue(at)),
    nudge: (d, at) => d.nudge(at),
    stopping: (d) => d.stop(),
  })
  async pass(): Promise<Date | null> {
    return (await this.tick({ signalled: true })).nextDueAt;
  }

  /**
   * Sends everything due now and returns once every claimed text has its outcome recorded,
   * with the next due time it knows of. The due-work loop calls it (`signalled`: the signals
   * keep it told of new reminders, so what it knew of them still holds); tests call it
   * directly with a manual clock, and such a tick looks for everything.
   */
  async tick(options: { signalled?: boolean } = {}): Promise<DispatchReport> {
    const counts = Object.fromEntries([
      ['claimed', 0],
      ['nextDueAt', null],
      ...OUTCOME_KINDS.map((kind) => [kind, 0]),
    ]) as DispatchReport;
    const recording = new InFlight();
    const leaseMs = this.config.dispatchLeaseMs;
    const pump = new SendPump(this.config.dispatchConcurrency, this.maxHoldMs, leaseMs / 2, {
      now: () => this.pacer.elapsedMs(),
      reserve: (wave) => this.slots.reserve(wave.map(senderOf)),
      sendAt: (job, slot) => this.sender.sendAt(job, slot),
      defer: (job, inMs) => this.sender.deferred(job, inMs),
      outcome: (outcome) => recording.track(this.finish(outcome, counts)),
      error: (step, error) => this.fail(step, error),
      recheck: (jobs) => this.recheck(jobs),
    });
    const batchSize = this.config.dispatchBatchSize;
    const claiming = new Set<Promise<void>>();
    // Set from the claims' callbacks: a field, so the checks below read its current value.
    const claimFailure: { error: Error | null } = { error: null };
    // Whether the last claim found less than a full batch: nothing more was due then.
    let drained = false;
    this.claimAt = this.pacer.elapsedMs();
    this.textsDueAt = 0;
    if (!options.signalled) this.remindersDueAt = 0;
    // Up to two claims on their way, and about two batches waiting for permits or their due
    // time at most: claimed rows wait under a lease, and a claim's round trip should not idle
    // the senders. (Many reminders due at one instant are taken two batches ahead, not all.)
    const mayClaim = () =>
      !this.stopping &&
      claimFailure.error === null &&
      claiming.size < CLAIMS_IN_FLIGHT &&
      pump.queued + pump.holding + claiming.size * batchSize < CLAIMS_IN_FLIGHT * batchSize &&
      (!drained || this.pacer.elapsedMs() >= this.claimAt);
    try {
      for (;;) {
        while (mayClaim()) {
          drained = false;
          const claim: Promise<void> = this.claimBatch(pump, recording, counts)
            .then(({ claimed, full, nextDueAt }) => {
              counts.claimed += claimed;
              if (full) return;
              drained = true;
              counts.nextDueAt = nextDueAt;
              const now = this.pacer.elapsedMs();
              const dueIn = nextDueAt ? nextDueAt.getTime() - this.clock.now().getTime() : Infinity;
              const claimIn = dueIn - CLAIM_AHEAD_MS / 2;
              this.claimAt = now + Math.min(this.pollMs, Math.max(MIN_CLAIM_GAP_MS, claimIn));
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
          if (pump.idle && (drained || this.stopping)) break;
        }
        // Until something changes, or until it is time to look for due work again.
        const wait = Math.max(0, this.claimAt - this.pacer.elapsedMs());
        const woken = new Promise<void>((resolve) => (this.wakeTick = resolve));
        await Promise.race([pump.changed(drained ? wait : this.pollMs), woken, ...claiming]);
        this.wakeTick = null;
      }
    } finally {
      this.wakeTick = null;
      await Promise.all(claiming);
      while (!pump.idle) await pump.changed(this.pollMs);
      await recording.atMost(0);
      await this.recorder.idle();
      // Nothing left to send: spare rate-cap slots go back for other instances.
      await this.slots.release().catch((error: unknown) => this.fail('release', error));
    }
    return counts;
  }

  private async claimBatch(
    pump: SendPump,
    recording: InFlight,
    counts: DispatchReport,
  ): Promise<{ claimed: number; full: boolean; nextDueAt: Date | null }> {
    const now = this.clock.now();
    const lease = {
      until: new Date(now.getTime() + this.config.dispatchLeaseMs),
      by: this.instanceId,
    };
    const batchSize = this.config.dispatchBatchSize;
    // Leases run out only when an instance dies: looking for them every few seconds is enough.
    // (A clock set back, as tests do, counts as time passing.)
    const sweep = Math.abs(now.getTime() - this.lastLeaseSweep) >= this.leaseSweepMs;
    if (sweep) {
      this.lastLeaseSweep = now.getTime();
      const settled = await this.messages.settleAbandoned(now, batchSize);
      if (settled > 0) this.logger.warn(`${settled} texts of a stopped instance settled unknown`);
    }
    // Producers' texts are looked for when some may be due (their producers wake us), and
    // alongside the reminders, so answers to patients never wait behind a reminder claim.
    const lookForTexts = now.getTime() >= this.textsDueAt;
    // Reminders likewise: when one known may be claimed, on a lease sweep, or every so often.
    const lookForReminders =
      sweep || now.getTime() >= this.remindersDueAt || now.getTime() < this.remindersLookedAt;
    if (lookForReminders) this.remindersWokenAt = Infinity;
    const horizon = new Date(now.getTime() + CLAIM_AHEAD_MS);
    const [texts, rows] = await Promise.all([
      lookForTexts ? this.messages.claim(this.instanceId, now, lease.until, batchSize) : [],
      lookForReminders
        ? this.claims.claim(this.instanceId, now, lease.until, batchSize, sweep, horizon)
        : [],
    ]);
    if (lookForReminders) this.remindersLookedAt = now.getTime();
    if (lookForTexts && texts.length < batchSize) {
      this.textsNextDue = (await this.messages.nextDue(now))?.getTime() ?? Infinity;
      this.textsDueAt = Math.min(this.textsNextDue, now.getTime() + TEXTS_POLL_MS);
    }
    const jobs: SendJob[] = [];
    for (const text of texts) {
      const decision = decideAtSend(text, now);
      if (decision.action === 'send') {
        jobs.push(messageJob(text, now, this.config.publicBaseUrl));
      } else {
        recording.track(this.finish(refused(text, decision), counts));
      }
    }
    const reminderJobs: SendJob[] = [];
    // A reminder taken ahead of its time is decided for that time (what it re-checks was read
    // by this claim either way) and held until then; one not to be sent is recorded at once.
    const held: { job: SendJob; at: number }[] = [];
    for (const reminder of rows) {
      const at = new Date(Math.max(now.getTime(), reminder.runAt.getTime()));
      const decision = decideAtClaim(factsOf(reminder), at);
      if (decision.action === 'send') {
        const id = this.random.uuid();
        const job = buildSendJob(reminder, decision.template, at, this.config.publicBaseUrl, id);
        reminderJobs.push(job);
        if (at.getTime() > now.getTime()) {
          held.push({ job, at: at.getTime() });
        } else {
          jobs.push(job);
        }
      } else {
        recording.track(this.finish(notSent(reminder, decision), counts));
      }
    }
    // Written before any provider call: a crash mid-send leaves a trace of what may have gone out.
    await this.claims.insertMessages(reminderJobs, now, lease);
    pump.push(jobs);
    const heldFrom = this.clock.now().getTime();
    pump.hold(held.map(({ job, at }) => ({ job, inMs: at - heldFrom })));
    const claimed = texts.length + rows.length;
    if (texts.length >= batchSize || rows.length >= batchSize) {
      return { claimed, full: true, nextDueAt: now };
    }
    if (lookForReminders) {
      this.remindersNextDue = (await this.claims.nextDue(now))?.getTime() ?? Infinity;
      this.remindersDueAt = Math.min(
        this.remindersNextDue - CLAIM_AHEAD_MS,
        now.getTime() + REMINDERS_POLL_MS,
        this.remindersWokenAt,
      );
    }
    const nextDue = Math.min(this.remindersNextDue, this.textsNextDue);
    return { claimed, full: false, nextDueAt: Number.isFinite(nextDue) ? new Date(nextDue) : null };
  }

  /** Held reminders a cancellation, a move or an opt-out stopped since their claim. */
  private async recheck(jobs: SendJob[]): Promise<SendJob[]> {
    const ids = jobs.flatMap((job) => (job.reminderId === null ? [] : [job.reminderId]));
    const stopped = new Set(
      (await this.claims.recheck(ids)).filter((r) => stoppedSincePlanned(r)).map((r) => r.id),
    );
    return jobs.filter((job) => job.reminderId !== null && stopped.has(job.reminderId));
  }

  private async finish(outcome: SendOutcome, counts: DispatchReport): Promise<void> {
    counts[outcome.kind] += 1;
    // On failure the text stays held and is settled when its lease runs out.
    await this.recorder.record(outcome).catch((error: unknown) => this.fail('record', error));
    // A reminder due again later (quiet hours, a transient failure): looked for then.
    if ('runAt' in outcome && 'reminderId' in outcome && outcome.reminderId !== null) {
      this.remindersDue(outcome.runAt);
    }
  }

  private fail(step: string, error: unknown): void {
    // Only database errors and our own bugs get here (a provider's answer is an outcome); they
    // quote no patient data.
    this.logger.error(`${step} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function senderOf(job: SendJob) {
  return {
    providerType: job.clinic.providerType,
    senderNumber: job.clinic.senderNumber,
    ratePerSecond: job.clinic.sendRatePerSecond,
    answer: job.priority === ANSWER_PRIORITY,
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
): SendOutcome {
  const target = { messageId: null, reminderId: r.id, messageKind: 'reminder' as const };
  return decision.action === 'skip'
    ? { ...target, kind: 'skipped', reason: decision.reason }
    : { ...target, kind: 'rescheduled', runAt: decision.runAt, reason: 'quiet_hours' };
}

function refused(m: ClaimedMessage, decision: Exclude<MessageDecision, { action: 'send' }>) {
  const target = { messageId: m.id, reminderId: null, messageKind: m.kind };
  if (decision.action === 'expire') {
    return { ...target, kind: 'expired', reason: 'not sent within its time' } as const;
  }
  const detail =
    decision.reason === 'opted_out'
      ? 'the patient has opted out'
      : 'the consent change it confirms has since been reversed';
  return {
    ...target,
    kind: 'failed',
    attempted: false,
    reason: decision.reason,
    code: null,
    detail,
  } as const;
}
