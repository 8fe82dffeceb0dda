import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { renderReply, type ReplyTemplateKind } from '../messaging/reply-templates';
import { languageOf } from '../messaging/templates';
import { ConversationOutbox, ConversationText } from './conversation-outbox.port';
import type { ReplyTurn } from './reply-turn';

/**
 * Renders an answer in the patient's language and zone, and hands it to the outbox with the
 * other answers of its transaction: the inbox settles several texts in one transaction, and
 * their answers are written together (one statement, not one each) when the last text is done
 * (`flush`), still inside it. A text rolled back to its savepoint takes its answers along
 * (`discard`).
 */
@Injectable()
export class ReplyAnswers {
  private readonly pending = new WeakMap<EntityManager, ConversationText[]>();

  constructor(private readonly outbox: ConversationOutbox) {}

  /** Gathers the answer for this transaction's `flush` (the inbox calls it after its texts). */
  send(
    m: EntityManager,
    turn: ReplyTurn,
    kind: ReplyTemplateKind,
    about: { appointmentId: string | null; startsAt: Date | null; options?: Date[] },
  ): void {
    // An opted-out patient gets no texts; what they asked for still happens.
    if (turn.patient.opted_out) return;
    const body = renderReply(kind, languageOf(turn.patient.language), {
      clinicName: turn.clinic.name,
      contactPhone: turn.clinic.contactPhone,
      startsAt: about.startsAt,
      zone: turn.patient.timezone ?? turn.clinic.timezone,
      options: about.options,
    });
    const text: ConversationText = {
      clinicId: turn.clinic.id,
      patientId: turn.patient.id,
      appointmentId: about.appointmentId,
      to: turn.patient.phone,
      body,
      kind: 'workflow_reply',
      inReplyTo: turn.message.messageId,
      at: turn.now,
    };
    const pending = this.pending.get(m);
    if (pending) pending.push(text);
    else this.pending.set(m, [text]);
  }

  /** Writes the answers `send` gathered in this transaction. */
  async flush(m: EntityManager): Promise<void> {
    const texts = this.pending.get(m);
    if (!texts) return;
    this.pending.delete(m);
    await this.outbox.enqueueMany(m, texts);
  }

  /** Forgets them: what decided them was rolled back. */
  discard(m: EntityManager): void {
    this.pending.delete(m);
  }
}
