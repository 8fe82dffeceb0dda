import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { DueSignals } from '../common/due-work/due-signals';
import { MessagesRepository } from '../messaging/messages.repository';
import { countSegments } from '../messaging/segments';
import { KIND_POLICIES, OUTBOUND_TEXTS, type MessageKind } from './message-kinds';
import { Randomness } from './randomness';

/** A text a feature wants sent; the pipeline does the rest (cap, retries, opt-out, expiry). */
export interface OutboundText {
  /** reminders are claimed by the pipeline itself */
  kind: Exclude<MessageKind, 'reminder'>;
  clinicId: string;
  /** +E.164 */
  to: string;
  body: string;
  patientId?: string | null;
  appointmentId?: string | null;
  /**
   * The consent event this text confirms. It goes only while that event is the patient's latest
   * (a confirmed opt-out the patient has since reversed is not sent); the confirmation of an
   * opt-out is the one text that still goes to a patient who has opted out.
   */
  confirmsConsentEvent?: string | null;
  /** when it may go; now when omitted */
  dueAt?: Date;
}

/**
 * The producers' door into the outbound pipeline. A feature calls `enqueue` inside its own
 * transaction: the text exists exactly when the feature's change commits (a rolled-back
 * webhook, replayed later, writes it once), and the pipeline is woken at that commit.
 */
@Injectable()
export class OutboundMessages {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly clock: Clock,
    private readonly random: Randomness,
  ) {}

  /** Returns the message id, or null when the clinic no longer exists. */
  async enqueue(m: EntityManager, text: OutboundText): Promise<string | null> {
    return (await this.enqueueMany(m, [text]))[0];
  }

  /** Several texts in one round trip; ids (or null) in input order. */
  async enqueueMany(m: EntityManager, texts: OutboundText[]): Promise<(string | null)[]> {
    const now = this.clock.now();
    const writes = texts.map((text) => {
      const policy = KIND_POLICIES[text.kind];
      const dueAt = text.dueAt ?? now;
      const { segments, encoding } = countSegments(text.body);
      return {
        id: this.random.uuid(),
        clinicId: text.clinicId,
        patientId: text.patientId ?? null,
        appointmentId: text.appointmentId ?? null,
        kind: text.kind,
        body: text.body,
        segments,
        encoding,
        to: text.to,
        createdAt: now,
        runAt: dueAt,
        priority: policy.priority,
        expiresAt:
          policy.expiresAfterMs === null ? null : new Date(dueAt.getTime() + policy.expiresAfterMs),
        confirmsConsentEvent: text.confirmsConsentEvent ?? null,
        // The pipeline's wake-up rides with the row (one round trip less per text).
        notify: DueSignals.wake(OUTBOUND_TEXTS, dueAt > now ? dueAt : undefined),
      };
    });
    const written = await this.messages.insertOutboundMany(m, writes);
    return writes.map((w) => (written.has(w.id) ? w.id : null));
  }
}
