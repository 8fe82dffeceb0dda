import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { MessagesRepository } from '../../messaging/messages.repository';
import type { ProviderType, StatusUpdate } from '../../messaging/providers/sms-provider.port';
import { PatientsRepository } from '../../patients/patients.repository';
import { InboxEffectsRepository } from './inbox-effects.repository';
import { NotYetError } from './not-yet.error';

/**
 * Delivery errors that mean the carrier has the recipient opted out (they texted STOP to the
 * number): the provider refuses every later send, so the opt-out is recorded here too.
 */
const OPT_OUT_ERROR_CODES: Partial<Record<ProviderType, ReadonlySet<string>>> = {
  twilio: new Set(['21610']),
  telnyx: new Set(['40300']),
};

@Injectable()
export class StatusEventProcessor {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly patients: PatientsRepository,
    private readonly effects: InboxEffectsRepository,
  ) {}

  async process(
    m: EntityManager,
    providerType: ProviderType,
    clinicId: string,
    update: StatusUpdate,
    receivedAt: Date,
  ): Promise<void> {
    const message = await this.effects.outboundByProviderId(
      m,
      clinicId,
      providerType,
      update.providerMessageId,
    );
    if (!message) throw new NotYetError('no outbound message with this provider id (yet)');
    // The update itself is forward only; the reminder follows whatever the message now is.
    await this.messages.applyStatus(
      providerType,
      update.providerMessageId,
      update.status,
      update.errorCode ?? null,
      receivedAt,
      m,
    );
    await this.effects.followMessage(m, message.id);
    if (update.errorCode && OPT_OUT_ERROR_CODES[providerType]?.has(update.errorCode)) {
      await this.patients.optOut(m, {
        clinicId,
        phone: message.to,
        source: 'provider',
        word: `${providerType} error ${update.errorCode}`,
        at: receivedAt,
      });
    }
  }
}
