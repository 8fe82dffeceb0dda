import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InboundMessageHandler } from '../../conversations/inbound-message-handler';
import type { InboundSms, ProviderType } from '../../messaging/providers/sms-provider.port';
import { countSegments } from '../../messaging/segments';
import { InboundLinks, InboxEffectsRepository } from './inbox-effects.repository';

export interface InboundItem {
  providerType: ProviderType;
  clinicId: string;
  sms: InboundSms;
  receivedAt: Date;
}

/**
 * Inbound messages: stored once in the message log, linked to the patient and the appointment
 * the reply is about, then handed to the conversation port. Set-based, so a batch costs a few
 * statements rather than a few per message.
 */
@Injectable()
export class InboundEventProcessor {
  constructor(
    private readonly effects: InboxEffectsRepository,
    private readonly handler: InboundMessageHandler,
  ) {}

  async process(m: EntityManager, items: InboundItem[]): Promise<void> {
    if (items.length === 0) return;
    const links = await this.effects.inboundLinks(
      m,
      items.map((i) => ({ clinicId: i.clinicId, phone: i.sms.from, at: i.receivedAt })),
    );
    const ids = await this.effects.insertInbound(
      m,
      items.map((item, index) => {
        const { segments, encoding } = countSegments(item.sms.body);
        return {
          clinicId: item.clinicId,
          patientId: links[index].patientId,
          appointmentId: links[index].appointmentId,
          body: item.sms.body,
          segments,
          encoding,
          from: item.sms.from,
          to: item.sms.to,
          providerType: item.providerType,
          providerMessageId: item.sms.providerMessageId,
          createdAt: item.receivedAt,
        };
      }),
    );
    try {
      await this.handleEach(m, items, links, ids);
    } catch (error: unknown) {
      this.handler.abandon(m);
      throw error;
    }
    // The answers of the whole batch, in one statement.
    await this.handler.finish(m);
  }

  private async handleEach(
    m: EntityManager,
    items: InboundItem[],
    links: InboundLinks[],
    ids: (string | null)[],
  ): Promise<void> {
    for (const [index, item] of items.entries()) {
      const messageId = ids[index];
      // Already in the log: the inbox row was purged and the provider retried. Handled then.
      if (!messageId) continue;
      await this.handler.handle(m, {
        messageId,
        clinicId: item.clinicId,
        providerType: item.providerType,
        patientId: links[index].patientId,
        patient: links[index].patient,
        appointmentId: links[index].appointmentId,
        clinicVersion: links[index].clinicVersion,
        from: item.sms.from,
        to: item.sms.to,
        body: item.sms.body,
        receivedAt: item.receivedAt,
      });
    }
  }
}
