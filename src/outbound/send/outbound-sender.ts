import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ProviderRegistry } from '../../messaging/provider-registry';
import { ProviderError } from '../../messaging/providers/sms-provider.port';
import type { SendOutcome } from '../record/outcomes';
import { Pacer } from './pacer';
import { Randomness } from '../randomness';
import { decideAfterFailure } from './retry-policy';
import { keyOf } from './sender-budget.repository';
import { SenderHealth } from './sender-health';
import type { SendJob } from './send-job';
import { SLOT_HORIZON_MS } from './slot-reserver';

/** A deferred text is claimed again this long before its expected slot, to be on time. */
const DEFER_LEAD_MS = SLOT_HORIZON_MS / 2;

/**
 * One attempt at one text, at its rate-cap slot: the provider call, then what the answer means
 * for the text. The outcome is returned, not written: the recorder writes it.
 */
@Injectable()
export class OutboundSender implements OnApplicationBootstrap {
  /**
   * How late after its slot a send may still start. The rest of the margin is for what this
   * process cannot see: the time from fetch() to the request reaching the provider, which is
   * longest on a fresh connection.
   */
  private readonly lateToleranceMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly providers: ProviderRegistry,
    private readonly pacer: Pacer,
    private readonly clock: Clock,
    private readonly random: Randomness,
    private readonly health: SenderHealth,
  ) {
    this.lateToleranceMs = config.sendRateMarginMs / 2;
  }

  /**
   * Node loads its HTTP client on the first fetch(), which takes tens of milliseconds; paid at
   * start-up (a data: URL touches no network), it cannot make the first text late for its slot.
   */
  async onApplicationBootstrap(): Promise<void> {
    await fetch('data:,').then((response) => response.arrayBuffer());
  }

  /**
   * Sends at the slot's time. Null when this process woke too late for it (a stalled event
   * loop): sending then could put two texts in one window, so the slot is given up and the
   * text is not sent; the caller finds it another.
   */
  async sendAt(job: SendJob, slot: { atMs: number }): Promise<SendOutcome | null> {
    await this.pacer.sleep(slot.atMs - this.pacer.elapsedMs());
    if (this.pacer.elapsedMs() - slot.atMs > this.lateToleranceMs) return null;
    return this.call(job);
  }

  /** Back to the database, due in `inMs` (a little early, so its slot is in reach then). */
  deferred(job: SendJob, inMs: number): SendOutcome {
    const runAt = new Date(this.clock.now().getTime() + Math.max(0, inMs - DEFER_LEAD_MS));
    if (job.expires && runAt.getTime() >= job.giveUpAt.getTime()) {
      return { ...targetOf(job), kind: 'expired', reason: 'no slot before its expiry' };
    }
    return { ...targetOf(job), kind: 'deferred', runAt };
  }

  private async call(job: SendJob): Promise<SendOutcome> {
    const target = targetOf(job);
    const sender = keyOf(job.clinic);
    try {
      const provider = this.providers.get(job.clinic.providerType);
      const result = await provider.send(job.clinic.credentials, job.sms);
      this.health.succeeded(sender);
      return {
        ...target,
        kind: 'sent',
        messageId: job.messageId,
        providerMessageId: result.providerMessageId,
        segments: result.segments,
        at: this.clock.now(),
        dueAt: job.dueAt,
      };
    } catch (error) {
      // Only the provider's own trouble counts against it; a refusal of one number does not.
      if (error instanceof ProviderError) {
        if (error.kind === 'transient') this.health.failed(sender);
        else this.health.succeeded(sender);
      }
      const now = this.clock.now();
      const decision = decideAfterFailure(error, {
        attempts: job.attempts + 1,
        now,
        startsAt: job.giveUpAt,
        random: this.random.fraction(),
      });
      const { reason, code, detail } = decision;
      if (decision.action === 'retry') {
        const { runAt } = decision;
        return {
          ...target,
          kind: 'retried',
          messageId: job.messageId,
          runAt,
          reason,
          code,
          detail,
        };
      }
      if (job.expires && reason.startsWith('gave_up')) {
        return { ...target, kind: 'expired', messageId: job.messageId, reason, attempted: true };
      }
      return {
        ...target,
        kind: 'failed',
        attempted: true,
        reason,
        code,
        detail,
        optOut: decision.optOut
          ? { clinicId: job.clinic.id, phone: job.sms.to, at: now }
          : undefined,
      };
    }
  }
}

function targetOf(job: SendJob) {
  return { messageId: job.messageId, reminderId: job.reminderId, messageKind: job.kind };
}
