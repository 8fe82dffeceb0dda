import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PatientsRepository } from '../patients/patients.repository';
import { consentKeyword } from './consent-keywords';
import { InboundMessageHandler, ReceivedMessage } from './inbound-message-handler';

/**
 * The default handler: records consent keywords, which must hold whatever else a reply means.
 * The C/R/X reply workflow, HELP, plain-language revocations ("stop texting me") and the one
 * confirmation text belong to the conversation workflow, a later issue that replaces this
 * binding with a handler that calls this one first.
 */
@Injectable()
export class ConsentKeywordHandler extends InboundMessageHandler {
  constructor(private readonly patients: PatientsRepository) {
    super();
  }

  async handle(m: EntityManager, message: ReceivedMessage): Promise<void> {
    const keyword = consentKeyword(message.body);
    if (!keyword) return;
    const { clinicId, from, receivedAt } = message;
    if (keyword.kind === 'opt_in') {
      // The repository only changes a patient who is opted out, which is exactly YES's rule.
      await this.patients.optIn(m, clinicId, from, receivedAt);
      return;
    }
    if (!message.patientId) {
      // The carrier now blocks this number for the clinic: remember it, so an appointment
      // uploaded for it later is not texted into a certain 21610.
      await this.patients.upsertMany(m, clinicId, [
        { phone: from, name: null, language: null, timezone: null },
      ]);
    }
    await this.patients.optOut(m, clinicId, from, 'keyword', keyword.keyword, receivedAt);
  }
}
