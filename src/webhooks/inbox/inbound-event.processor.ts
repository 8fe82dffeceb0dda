import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InboundMessageHandler } from '../../conversations/inbound-message-handler';
import type { InboundSms, ProviderType } from '../../messaging/providers/sms-provider.port';
import { countSegments } from '../../messaging/segments';
import { InboxEffectsRepository } from './inbox-effects.repository';

export interface InboundItem {
  providerType: ProviderType;
  clinicId: string;
  sms: InboundSms;
  receivedAt: Date;
}

/**
 * Inbound messages: linked by the conversation port to the patient and the appointment the
 * reply is about, stored once in the message log, then handed to the port's batch. Set-based,
 * so a batch costs a few statements rather than a few per message.
 */
@Injectable()
export class InboundEventProcessor {
  constructor(
    private readonly effects: InboxEffectsRepository,
    private readonly handler: InboundMessageHandler,
  ) {}

  async process(m: EntityManager, items: InboundItem[]): Promise<void> {
    if (items.length === 0) return;
    const batch = await this.handler.begin(
      m,
      items.map((i) => ({
        clinicId: i.clinicId,
        providerType: i.providerType,
        from: i.sms.from,
        to: i.sms.to,
        body: i.sms.body,
        receivedAt: i.receivedAt,
      })),
    );
    const ids = await this.effects.insertInbound(
      m,
      items.map((item, index) => {
        const { segments, encoding } = countSegments(item.sms.body);
        return {
          clinicId: item.clinicId,
          patientId: batch.links[index].patientId,
          appointmentId: batch.links[index].appointmentId,
          body: item.sms.body,
          segments,
          encoding,
          from: item.sms.from,
          to: item.sms.to,
          providerType: item.providerType,
          providerMessageId: item.sms.providerMessageId,
          createdAt: item.receivedAt,
          media: item.sms.media ?? [],
        };
      }),
    );
    try {
      for (const [index, messageId] of ids.entries()) {
        // Already in the log: the inbox row was purged and the provider retried. Handled then.
        if (messageId) await batch.add(index, messageId);
      }
    } catch (error: unknown) {
      batch.abandon();
      throw error;
    }
    await batch.finish();
  }
}
