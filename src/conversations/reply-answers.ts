import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { renderReply, type ReplyTemplateKind } from '../messaging/reply-templates';
import { languageOf } from '../messaging/templates';
import { ConversationOutbox } from './conversation-outbox.port';
import type { ReplyTurn } from './reply-turn';

/** Renders an answer in the patient's language and zone and hands it to the outbox. */
@Injectable()
export class ReplyAnswers {
  constructor(private readonly outbox: ConversationOutbox) {}

  async send(
    m: EntityManager,
    turn: ReplyTurn,
    kind: ReplyTemplateKind,
    about: { appointmentId: string | null; startsAt: Date | null; options?: Date[] },
  ): Promise<void> {
    // An opted-out patient gets no texts; what they asked for still happens.
    if (turn.patient.opted_out) return;
    const body = renderReply(kind, languageOf(turn.patient.language), {
      clinicName: turn.clinic.name,
      contactPhone: turn.clinic.contactPhone,
      startsAt: about.startsAt,
      zone: turn.patient.timezone ?? turn.clinic.timezone,
      options: about.options,
    });
    await this.outbox.enqueue(m, {
      clinicId: turn.clinic.id,
      patientId: turn.patient.id,
      appointmentId: about.appointmentId,
      to: turn.patient.phone,
      body,
      kind: 'workflow_reply',
      inReplyTo: turn.message.messageId,
      at: turn.now,
    });
  }
}
