import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OutboundMessages } from '../outbound/outbound-messages';
import { ConversationOutbox, ConversationText } from './conversation-outbox.port';

/** Answers and staff replies go out through the one outbound pipeline, answers first. */
@Injectable()
export class PipelineConversationOutbox extends ConversationOutbox {
  constructor(private readonly outbound: OutboundMessages) {
    super();
  }

  async enqueue(m: EntityManager, t: ConversationText): Promise<void> {
    await this.enqueueMany(m, [t]);
  }

  async enqueueMany(m: EntityManager, texts: ConversationText[]): Promise<void> {
    await this.outbound.enqueueMany(
      m,
      texts.map((t) => ({
        kind: t.kind,
        clinicId: t.clinicId,
        to: t.to,
        body: t.body,
        patientId: t.patientId,
        appointmentId: t.appointmentId,
        confirmsConsentEvent: t.confirmsConsentEvent,
      })),
    );
  }
}
