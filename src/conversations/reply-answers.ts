import type { EntityManager } from 'typeorm';
import { staffReplyAt } from '../common/time/office-hours';
import { renderReply, type ReplyTemplateKind } from '../messaging/reply-templates';
import { languageOf } from '../messaging/templates';
import { ConversationOutbox, ConversationText } from './conversation-outbox.port';
import type { ClinicEntity } from '../clinics/clinic.entity';
import type { ReplyPatient } from '../patients/patients.repository';

/** Whom an answer goes to, and in answer to what (a ReplyTurn is one). */
export interface AnswerTo {
  clinic: ClinicEntity;
  patient: ReplyPatient;
  message: { messageId: string };
  /** when it was decided (the Clock's now) */
  now: Date;
}

/**
 * The answers of one inbox batch, rendered in each patient's language and zone and written
 * together (one statement, not one each) when the batch's last text is done, still inside its
 * transaction.
 */
export class ReplyAnswers {
  private texts: ConversationText[] = [];

  add(
    turn: AnswerTo,
    kind: ReplyTemplateKind,
    about: { appointmentId: string | null; startsAt: Date | null; options?: Date[] },
  ): void {
    const body = renderReply(kind, languageOf(turn.patient.language), {
      clinicName: turn.clinic.name,
      contactPhone: turn.clinic.contactPhone,
      startsAt: about.startsAt,
      zone: turn.patient.timezone ?? turn.clinic.timezone,
      options: about.options,
      staffReplyAt:
        kind === 'unrecognized' && turn.clinic.officeHours
          ? staffReplyAt(turn.now, turn.clinic.timezone, turn.clinic.officeHours)
          : null,
    });
    this.addText(turn, body, about.appointmentId);
  }

  /** An answer already written in the patient's language. */
  addText(turn: AnswerTo, body: string, appointmentId: string | null): void {
    // An opted-out patient gets no texts; what they asked for still happens.
    if (turn.patient.opted_out) return;
    this.texts.push({
      clinicId: turn.clinic.id,
      patientId: turn.patient.id,
      appointmentId,
      to: turn.patient.phone,
      body,
      kind: 'workflow_reply',
      inReplyTo: turn.message.messageId,
      at: turn.now,
    });
  }

  async write(m: EntityManager, outbox: ConversationOutbox): Promise<void> {
    const texts = this.texts;
    this.texts = [];
    if (texts.length > 0) await outbox.enqueueMany(m, texts);
  }

  /** What decided them was rolled back. */
  discard(): void {
    this.texts = [];
  }
}
