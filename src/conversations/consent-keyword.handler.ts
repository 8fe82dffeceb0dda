import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { staffReplyAt } from '../common/time/office-hours';
import { staffReplySentence } from '../messaging/reply-templates';
import { languageOf, renderAnswer, type AnswerKind } from '../messaging/templates';
import { PatientsRepository } from '../patients/patients.repository';
import { ConversationOutbox } from './conversation-outbox.port';
import type { ReceivedMessage } from './inbound-message-handler';
import { KeywordFactsRepository, type KeywordFacts } from './keyword-facts.repository';
import type { ReplyMeaning } from './reply-classifier';

/** What a text means for consent (the rest of its meanings are the reply workflow's). */
export type ConsentMeaning = Extract<ReplyMeaning, { kind: 'opt_out' | 'opt_in' | 'help' }>;

/**
 * Consent, which must hold whatever else a reply means. Carrier keywords (STOP and its
 * synonyms, START/UNSTOP and YES while opted out) and plain-language revocations ("stop
 * texting me") change consent, each change an event in the ledger; HELP is answered.
 * The answers go through the conversation outbox in this transaction: a webhook replayed
 * later finds its message already stored and is never handled, hence answered, twice.
 *
 * Who answers: the provider when the clinic's `keywordReplies` is `provider` (it answers
 * keywords itself), Turnout when it is `turnout`. A revocation in plain words is always
 * confirmed by Turnout: no provider recognises it.
 */
@Injectable()
export class ConsentKeywordHandler {
  constructor(
    private readonly patients: PatientsRepository,
    private readonly facts: KeywordFactsRepository,
    private readonly outbox: ConversationOutbox,
  ) {}

  /** `meaning`: the text as the reply workflow classified it. */
  async handle(m: EntityManager, message: ReceivedMessage, meaning: ConsentMeaning): Promise<void> {
    const facts = await this.facts.factsFor(m, message.clinicId, message.from);
    if (!facts) return;
    const byTurnout = facts.keywordReplies === 'turnout';
    switch (meaning.kind) {
      case 'opt_out': {
        const phrase = meaning.source === 'phrase';
        const event = await this.optOut(m, message, phrase ? meaning.phrase : meaning.word, phrase);
        // Already opted out: no change, so nothing to confirm (the confirmation is single).
        if (event && (phrase || byTurnout)) {
          // CANCEL leaves the appointment to staff, so its answer says when they will reply.
          const staff =
            !phrase && meaning.word === 'CANCEL' && facts.officeHours
              ? staffReplySentence(
                  staffReplyAt(message.receivedAt, facts.timezone, facts.officeHours),
                  languageOf(facts.language),
                )
              : null;
          await this.answer(m, message, facts, 'opt_out', event, staff);
        }
        return;
      }
      case 'opt_in': {
        const event = await this.patients.optIn(m, {
          clinicId: message.clinicId,
          phone: message.from,
          source: 'keyword',
          word: meaning.word,
          senderNumber: message.to,
          inboundMessageId: message.messageId,
          at: message.receivedAt,
        });
        // START from someone already in is answered too, as carriers do: it changes nothing.
        if (byTurnout) await this.answer(m, message, facts, 'opt_in', event);
        return;
      }
      case 'help':
        if (byTurnout) await this.answer(m, message, facts, 'help', null);
        return;
    }
  }

  private async optOut(
    m: EntityManager,
    message: ReceivedMessage,
    word: string,
    phrase: boolean,
  ): Promise<string | null> {
    if (!message.patientId) {
      // The number now refuses the clinic's texts: remember it, so an appointment uploaded for
      // it later is not texted (the carrier would refuse with 21610 anyway after a keyword).
      await this.patients.upsertMany(m, message.clinicId, [
        { phone: message.from, name: null, language: null, timezone: null },
      ]);
    }
    return this.patients.optOut(m, {
      clinicId: message.clinicId,
      phone: message.from,
      source: phrase ? 'phrase' : 'keyword',
      word,
      senderNumber: message.to,
      inboundMessageId: message.messageId,
      at: message.receivedAt,
    });
  }

  private async answer(
    m: EntityManager,
    message: ReceivedMessage,
    facts: KeywordFacts,
    kind: AnswerKind,
    consentEvent: string | null,
    staff: string | null = null,
  ): Promise<void> {
    const body = renderAnswer(kind, languageOf(facts.language), facts);
    await this.outbox.enqueue(m, {
      kind: 'keyword_reply',
      clinicId: message.clinicId,
      to: message.from,
      patientId: message.patientId,
      appointmentId: message.appointmentId,
      body: staff ? `${body} ${staff}` : body,
      // A confirmation goes only while what it confirms is still the patient's latest change.
      confirmsConsentEvent: consentEvent,
      inReplyTo: message.messageId,
      at: message.receivedAt,
    });
  }
}
