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
import { ANSWER_PRIORITY, KIND_POLICIES, OUTBOUND_TEXTS, OUTBOUND_WORK } from './message-kinds';
import { capDay, isCounted, nextDayRunAt, type CapAsk } from './claim/daily-cap';
import { DailyCapsRepository } from './claim/daily-caps.repository';
import { OutboundSender } from './send/outbound-sender';
import { buildSendJob } from './claim/outbound-reminder';
import { OutcomeRecorder } from './record/outcome-recorder';
import { OUTCOME_KINDS, type OutcomeKind, type SendOutcome } from './record/outcomes';
import { Pacer } from './send/pacer';
import { Randomness } from './randomness';
import type { SendJob } from './send/send-job';
import { SendPump } from './send/send-pump';
import {
  CLAIM_AHEAD_MS,
  CLAIM_LEAD_MS,
  FIRST_LOOK,
  PASS_POLL_MS,
  claimDrained,
  heard,
  leaseSweep,
  nextDue,
  nextLook,
  nudged,
  passBegins,
  remindersClaimed,
  remindersDrained,
  textsDrained,
  type Looks,
} from './next-look';
import { SlotReserver } from './send/slot-reserver';

export type DispatchReport = { claimed: number; nextDueAt: Date | null } & Record<
  OutcomeKind,
  number
>;

/** Claims on their way at once: one claim's round trip is hidden behind the other's. */
export const CLAIMS_IN_FLIGHT = 2;
export { CLAIM_AHEAD_MS } from './next-look';

/**
 * The outbound pipeline: every text Turnout sends goes through here. Two sources feed it:
 * producers' message rows (answers, staff texts...) and due reminders, which are claimed,
 * re-checked and written as message rows here. Each batch is claimed under a lease; texts go
 * out through one long-lived SendPump with bounded concurrency under each sender's rate cap,
 * answers first, and each outcome is recorded. Claims go on while earlier sends are in flight,
 * so a slow provider or a rate-capped sender does not hold up everyone else's texts. When a
 * pass runs is the due-work loop's decision; what its claims look for and when is `next-look`'s.
 */
@Injectable()
export class OutboundDispatcher {
  private readonly logger = new Logger('OutboundDispatcher');
  private stopping = false;
  /** how often claims also take work whose lease ran out */
  private readonly leaseSweepMs: number;
  /** what is known of due work; replaced only through next-look's pure functions */
  private looks: Looks = FIRST_LOOK;
  private readonly pump: SendPump;
  /** outcomes on their way to the recorder, and the running pass's counts */
  private readonly recording = new InFlight();
  private counts: DispatchReport = emptyReport();

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
    private readonly caps: DailyCapsRepository,
  ) {
    this.leaseSweepMs = Math.min(5_000, config.dispatchLeaseMs / 4);
    // How long a claimed text may wait in this process for its sender's turn: far inside the
    // lease, so no other instance can have taken it over in the meantime.
    const maxHoldMs = Math.min(5_000, config.dispatchLeaseMs / 4);
    const leaseMs = config.dispatchLeaseMs;
    this.pump = new SendPump(config.dispatchConcurrency, maxHoldMs, leaseMs / 2, {
      now: () => this.pacer.elapsedMs(),
      reserve: (wave) => this.slots.reserve(wave.map(senderOf)),
      sendAt: (job, slot) => this.sender.sendAt(job, slot),
      defer: (job, inMs) => this.sender.deferred(job, inMs),
      outcome: (outcome) => this.recording.track(this.finish(outcome)),
      error: (step, error) => this.fail(step, error),
      recheck: (jobs) => this.recheck(jobs),
    });
  }

  /** Claims nothing more; work already claimed is finished by the running pass. */
  stop(): void {
    this.stopping = true;
    this.nudge();
  }

  /** Something is due at `at` (now when omitted): the running pass claims then. */
  nudge(at?: Date): void {
    const now = this.clock.now().getTime();
    const inMs = at ? Math.max(0, at.getTime() - now) : 0;
    const { looks, wake } = nudged(this.looks, now, this.pacer.elapsedMs(), inMs);
    this.looks = looks;
    if (wake) this.pump.wake();
  }

  /** A signal of one of its kinds: some work is due at `at` (now when omitted). */
  heard(kind: string, at?: Date): void {
    const atMs = at?.getTime() ?? this.clock.now().getTime();
    this.looks = heard(this.looks, kind === OUTBOUND_WORK ? 'reminders' : 'texts', atMs);
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
    leadMs: CLAIM_LEAD_MS,
    heard: (d, kind, at) => d.heard(kind, at),
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
    const counts = (this.counts = emptyReport());
    const pump = this.pump;
    const batchSize = this.config.dispatchBatchSize;
    const claiming = new Set<Promise<void>>();
    // Set from the claims' callbacks: a field, so the checks below read its current value.
    const claimFailure: { error: Error | null } = { error: null };
    // Whether the last claim found less than a full batch: nothing more was due then.
    let drained = false;
    this.looks = passBegins(this.looks, this.pacer.elapsedMs(), options.signalled === true);
    // Up to two claims on their way, and about two batches waiting for permits or their due
    // time at most: claimed rows wait under a lease, and a claim's round trip should not idle
    // the senders. (Many reminders due at one instant are taken two batches ahead, not all.)
    const mayClaim = () =>
      !this.stopping &&
      claimFailure.error === null &&
      claiming.size < CLAIMS_IN_FLIGHT &&
      pump.queued + pump.holding + claiming.size * batchSize < CLAIMS_IN_FLIGHT * batchSize &&
      (!drained || this.pacer.elapsedMs() >= this.looks.claimAt);
    try {
      for (;;) {
        while (mayClaim()) {
          drained = false;
          const claim: Promise<void> = this.claimBatch(counts)
            .then(({ claimed, full, nextDueAt }) => {
              counts.claimed += claimed;
              if (full) return;
              drained = true;
              counts.nextDueAt = nextDueAt;
              const dueIn = nextDueAt ? nextDueAt.getTime() - this.clock.now().getTime() : Infinity;
              this.looks = claimDrained(this.looks, this.pacer.elapsedMs(), dueIn);
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
        // Until something changes (a nudge wakes the pump's waiters too), or until it is time
        // to look for due work again.
        const wait = Math.max(0, this.looks.claimAt - this.pacer.elapsedMs());
        await Promise.race([pump.changed(drained ? wait : PASS_POLL_MS), ...claiming]);
      }
    } finally {
      await Promise.all(claiming);
      while (!pump.idle) await pump.changed(PASS_POLL_MS);
      await this.recording.atMost(0);
      await this.recorder.idle();
      // Nothing left to send: spare rate-cap slots go back for other instances.
      await this.slots.release().catch((error: unknown) => this.fail('release', error));
    }
    return counts;
  }

  private async claimBatch(
    counts: DispatchReport,
  ): Promise<{ claimed: number; full: boolean; nextDueAt: Date | null }> {
    const now = this.clock.now();
    const lease = {
      until: new Date(now.getTime() + this.config.dispatchLeaseMs),
      by: this.instanceId,
    };
    const batchSize = this.config.dispatchBatchSize;
    const sweep = leaseSweep(this.looks, now.getTime(), this.leaseSweepMs);
    this.looks = sweep.looks;
    if (sweep.sweepLeases) {
      const settled = await this.messages.settleAbandoned(now, batchSize);
      if (settled > 0) this.logger.warn(`${settled} texts of a stopped instance settled unknown`);
    }
    const look = nextLook(this.looks, now.getTime(), sweep.sweepLeases);
    this.looks = look.looks;
    const horizon = new Date(now.getTime() + CLAIM_AHEAD_MS);
    const [texts, rows] = await Promise.all([
      look.claimTexts ? this.messages.claim(this.instanceId, now, lease.until, batchSize) : [],
      look.claimReminders
        ? this.claims.claim(
            this.instanceId,
            now,
            lease.until,
            batchSize,
            sweep.sweepLeases,
            horizon,
          )
        : [],
    ]);
    if (look.claimReminders) this.looks = remindersClaimed(this.looks, now.getTime());
    if (look.claimTexts && texts.length < batchSize) {
      const textsNext = (await this.messages.nextDue(now))?.getTime() ?? null;
      this.looks = textsDrained(this.looks, now.getTime(), textsNext);
    }
    const jobs: SendJob[] = [];
    // Routine texts (surveys, offers) on their first attempt are admitted under the patient's
    // daily cap, in one statement alongside the reminders' own (see DailyCapsRepository).
    const textAsks: { key: string; ask: CapAsk; text: ClaimedMessage; job: SendJob }[] = [];
    for (const text of texts) {
      const decision = decideAtSend(text, now);
      if (decision.action !== 'send') {
        this.recording.track(this.finish(refused(text, decision), counts));
        continue;
      }
      const job = messageJob(text, now, this.config.publicBaseUrl);
      const cap = text.clinic.maxRoutineTextsPerDay;
      if (isCounted({ ...text, routine: KIND_POLICIES[text.kind].routine }, cap)) {
        const ask = { patientId: text.patientId!, day: capDay(now, text.clinic.timezone), cap };
        textAsks.push({ key: text.id, ask, text, job });
      } else {
        jobs.push(job);
      }
    }
    const reminderJobs: {
      job: SendJob;
      ask: CapAsk | null;
      at: Date;
      reminder: ClaimedReminder;
    }[] = [];
    for (const reminder of rows) {
      // A reminder taken ahead of its time is decided for that time (what it re-checks was read
      // by this claim either way) and held until then; one not to be sent is recorded at once.
      const at = new Date(Math.max(now.getTime(), reminder.runAt.getTime()));
      const decision = decideAtClaim(factsOf(reminder), at);
      if (decision.action === 'send') {
        const id = this.random.uuid();
        const job = buildSendJob(reminder, decision.template, at, this.config.publicBaseUrl, id);
        const cap = reminder.clinic.maxRoutineTextsPerDay;
        const ask = isCounted({ ...reminder, routine: true }, cap)
          ? { patientId: reminder.patientId, day: capDay(at, reminder.clinic.timezone), cap }
          : null;
        reminderJobs.push({ job, ask, at, reminder });
      } else {
        this.recording.track(this.finish(notSent(reminder, decision), counts));
      }
    }
    // Written before any provider call: a crash mid-send leaves a trace of what may have gone
    // out. Those over the cap are not written.
    const [overCap, admittedTexts] = await Promise.all([
      this.claims.insertMessages(
        reminderJobs.map((r) => r.job),
        now,
        lease,
        reminderJobs.map((r) => r.ask),
      ),
      this.caps.admit(textAsks),
    ]);
    const held: { job: SendJob; at: number }[] = [];
    for (const { job, at, reminder } of reminderJobs) {
      if (overCap.has(reminder.id)) {
        this.recording.track(this.finish(reminderOverCap(reminder, at), counts));
      } else if (at.getTime() > now.getTime()) {
        held.push({ job, at: at.getTime() });
      } else {
        jobs.push(job);
      }
    }
    for (const { key, text, job } of textAsks) {
      if (admittedTexts.has(key)) jobs.push(job);
      else this.recording.track(this.finish(textOverCap(text, now), counts));
    }
    this.pump.push(jobs);
    const heldFrom = this.clock.now().getTime();
    this.pump.hold(held.map(({ job, at }) => ({ job, inMs: at - heldFrom })));
    const claimed = texts.length + rows.length;
    if (texts.length >= batchSize || rows.length >= batchSize) {
      return { claimed, full: true, nextDueAt: now };
    }
    if (look.claimReminders) {
      const remindersNext = (await this.claims.nextDue(now))?.getTime() ?? null;
      this.looks = remindersDrained(this.looks, now.getTime(), remindersNext);
    }
    const due = nextDue(this.looks);
    return { claimed, full: false, nextDueAt: due === null ? null : new Date(due) };
  }

  /** Held reminders a cancellation, a move or an opt-out stopped since their claim. */
  private async recheck(jobs: SendJob[]): Promise<SendJob[]> {
    const ids = jobs.flatMap((job) => (job.reminderId === null ? [] : [job.reminderId]));
    const stopped = new Set(
      (await this.claims.recheck(ids)).filter((r) => stoppedSincePlanned(r)).map((r) => r.id),
    );
    return jobs.filter((job) => job.reminderId !== null && stopped.has(job.reminderId));
  }

  private async finish(outcome: SendOutcome, counts = this.counts): Promise<void> {
    counts[outcome.kind] += 1;
    // On failure the text stays held and is settled when its lease runs out.
    await this.recorder.record(outcome).catch((error: unknown) => this.fail('record', error));
    // A reminder due again later (quiet hours, a transient failure): looked for then.
    if ('runAt' in outcome && 'reminderId' in outcome && outcome.reminderId !== null) {
      this.heard(OUTBOUND_WORK, outcome.runAt);
    }
  }

  private fail(step: string, error: unknown): void {
    // Only database errors and our own bugs get here (a provider's answer is an outcome); they
    // quote no patient data.
    this.logger.error(`${step} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function emptyReport(): DispatchReport {
  return Object.fromEntries([
    ['claimed', 0],
    ['nextDueAt', null],
    ...OUTCOME_KINDS.map((kind) => [kind, 0]),
  ]) as DispatchReport;
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
    skipWhenConfirmed: r.skipWhenConfirmed,
    lacksConsentEvidence: r.lacksConsentEvidence,
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

/** The reason a text over the patient's daily cap is not sent (API.md). */
const OVER_CAP = 'patient_daily_cap';

/** A reminder over the cap waits for the next day when its visit is still ahead then. */
function reminderOverCap(r: ClaimedReminder, at: Date): SendOutcome {
  const target = { messageId: null, reminderId: r.id, messageKind: 'reminder' as const };
  const zone = r.patientTimezone ?? r.clinic.timezone;
  const runAt = nextDayRunAt(at, r.clinic.timezone, zone, r.clinic.quietHours, r.startsAt);
  return runAt
    ? { ...target, kind: 'rescheduled', runAt, reason: OVER_CAP }
    : { ...target, kind: 'skipped', reason: OVER_CAP };
}

/**
 * A survey or offer over the cap waits for the next day (after the clinic's quiet hours, for
 * kinds that keep them) when it has not expired by then; otherwise it is not sent (`failed`,
 * never attempted, code `patient_daily_cap`).
 */
function textOverCap(m: ClaimedMessage, now: Date): SendOutcome {
  const target = { messageId: m.id, reminderId: null, messageKind: m.kind };
  const quiet = KIND_POLICIES[m.kind].quietHours ? m.clinic.quietHours : null;
  const zone = m.clinic.timezone;
  const runAt = nextDayRunAt(now, zone, zone, quiet, m.expiresAt);
  if (runAt) return { ...target, kind: 'deferred', runAt };
  return {
    ...target,
    kind: 'failed',
    attempted: false,
    reason: OVER_CAP,
    code: OVER_CAP,
    detail: 'the patient had all the routine texts the clinic allows in a day',
  };
}

function refused(m: ClaimedMessage, decision: Exclude<MessageDecision, { action: 'send' }>) {
  const target = { messageId: m.id, reminderId: null, messageKind: m.kind };
  if (decision.action === 'expire') {
    return { ...target, kind: 'expired', reason: 'not sent within its time' } as const;
  }
  const detail = {
    opted_out: 'the patient has opted out',
    superseded: 'the consent change it confirms has since been reversed',
    no_consent_evidence: 'the clinic requires an opt-in on record and this patient has none',
  }[decision.reason];
  return {
    ...target,
    kind: 'failed',
    attempted: false,
    reason: decision.reason,
    code: null,
    detail,
  } as const;
}
