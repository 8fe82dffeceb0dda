import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ClinicVersionsCache } from '../clinics/clinic-versions.cache';
import { Clock } from '../common/clock/clock';
import { MessagesRepository } from '../messaging/messages.repository';
import { PatientsRepository, ReplyPatient } from '../patients/patients.repository';
import { AppointmentReplies } from './appointment-replies.service';
import { ConsentKeywordHandler } from './consent-keyword.handler';
import { ConversationOutbox } from './conversation-outbox.port';
import { ConversationsRepository, LockedAppointment } from './conversations.repository';
import {
  InboundBatch,
  InboundMessageHandler,
  InboundText,
  ReceivedMessage,
} from './inbound-message-handler';
import { ReplyAnswers } from './reply-answers';
import { classifyReply } from './reply-classifier';
import { ReplyLinksRepository } from './reply-links.repository';
import { SurveyReplies } from './survey-replies.port';
import type { ReplyTurn } from './reply-turn';
import { WaitlistBookings } from '../waitlist/waitlist-booking.service';
import { MissedVisitReplies } from './missed-visit-replies.service';

/**
 * The conversation workflow behind the webhook inbox: reads what a patient's text means and
 * does it, inside the inbox's transaction (a failure rolls the whole text back for a retry).
 * Consent first: carrier keywords, plain-language revocations and HELP go to the consent handler
 * (ledger and answers) exactly as without this workflow. Then the reply acts on the
 * appointment it is about (see AppointmentReplies), or, with none, waits for staff.
 */
@Injectable()
export class ReplyWorkflowHandler extends InboundMessageHandler {
  constructor(
    private readonly consent: ConsentKeywordHandler,
    private readonly clinics: ClinicVersionsCache,
    private readonly patients: PatientsRepository,
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsRepository,
    private readonly replies: AppointmentReplies,
    private readonly links: ReplyLinksRepository,
    private readonly outbox: ConversationOutbox,
    private readonly clock: Clock,
    private readonly waitlist: WaitlistBookings,
    private readonly surveys: SurveyReplies,
    private readonly missed: MissedVisitReplies,
  ) {
    super();
  }

  async begin(m: EntityManager, texts: InboundText[]): Promise<InboundBatch> {
    const links = await this.links.linksFor(
      m,
      texts.map((t) => ({ clinicId: t.clinicId, phone: t.from, at: t.receivedAt })),
    );
    const answers = new ReplyAnswers();
    return {
      links,
      add: (index, messageId) =>
        this.handle(m, { ...texts[index], ...links[index], messageId }, answers),
      finish: () => answers.write(m, this.outbox),
      abandon: () => answers.discard(),
    };
  }

  private async handle(
    m: EntityManager,
    message: ReceivedMessage,
    answers: ReplyAnswers,
  ): Promise<void> {
    // Read with the link: no other text of this number is in the same transaction (see the
    // inbox's claim), so it is as this text finds the patient.
    const known = message.patient;
    const meaning = classifyReply(message.body, { optedOut: known?.opted_out ?? false });
    if (meaning.kind === 'opt_out' || meaning.kind === 'opt_in' || meaning.kind === 'help') {
      // Consent and its answers are the consent handler's, exactly as without this workflow.
      await this.consent.handle(m, message, meaning);
      // CANCEL is the carrier's opt-out word, but the patient probably meant the visit.
      if (meaning.kind === 'opt_out' && meaning.source === 'keyword' && meaning.word === 'CANCEL') {
        const { turn } = await this.turn(m, message, known, null, answers);
        await this.conversations.flag(
          m,
          message.clinicId,
          message.from,
          'cancel_keyword',
          turn.now,
        );
      }
      return;
    }
    const { turn, appointment } = await this.turn(
      m,
      message,
      known,
      message.appointmentId,
      answers,
    );
    // A digit goes to the patient's newest open offer, a waitlist one included.
    if (known && (await this.survey(m, turn))) return;
    if (meaning.kind === 'slot' && (await this.takeWaitlistOffer(m, turn, meaning.choice))) return;
    // The missed-visit follow-up: R offers times for it, a digit books a new appointment.
    if (meaning.kind === 'slot' && (await this.missed.pick(m, turn, meaning.choice))) return;
    if (
      meaning.kind === 'reschedule' &&
      known &&
      (await this.missed.reschedule(m, turn, message.appointmentId))
    ) {
      return;
    }
    const handled =
      appointment !== null && (await this.replies.apply(m, turn, appointment, meaning));
    if (handled) return;
    if (meaning.kind === 'unrecognized') {
      await this.replies.unrecognized(m, turn, null);
      return;
    }
    // C, R, X or a digit with no appointment to apply it to: the help answer once, then staff.
    if (!turn.waitingForStaff) {
      answers.add(turn, 'no_appointment', { appointmentId: null, startsAt: null });
    }
    await this.conversations.flag(m, message.clinicId, message.from, 'no_appointment', turn.now);
  }

  /** True when the digit was about a waitlist offer (taken, lost, or not a choice it had). */
  private async takeWaitlistOffer(m: EntityManager, turn: ReplyTurn, choice: number) {
    const offer = await this.waitlist.offerFor(m, turn.patient.id, turn.now);
    if (!offer) return false;
    // A waitlist offer names one time: only 1 takes it.
    if (choice !== 1) {
      await this.replies.unrecognized(m, turn, null);
      return true;
    }
    const r = await this.waitlist.take(m, turn.clinic, turn.patient, offer, turn.now);
    if (r.outcome === 'taken') {
      turn.answers.add(turn, 'waitlist_taken', { appointmentId: null, startsAt: null });
    } else {
      const kind = r.outcome === 'moved' ? 'moved' : 'waitlist_booked';
      turn.answers.add(turn, kind, { appointmentId: r.appointmentId, startsAt: r.startsAt });
    }
    return true;
  }

  /** A survey score or comment, when the survey is the newest thing the patient was asked. */
  private async survey(m: EntityManager, turn: ReplyTurn): Promise<boolean> {
    const outcome = await this.surveys.take(m, { ...turn, body: turn.message.body });
    if (!outcome) return false;
    if (outcome.answer) turn.answers.addText(turn, outcome.answer, outcome.appointmentId);
    if (outcome.flag) {
      await this.conversations.flag(m, turn.clinic.id, turn.patient.phone, outcome.flag, turn.now);
    }
    return true;
  }

  /**
   * The patient, the clinic and the conversation, touched and locked for this text, with the
   * appointment `lock` (the one the reply is about) locked in the same round trip.
   */
  private async turn(
    m: EntityManager,
    message: ReceivedMessage,
    known: ReplyPatient | null,
    lock: string | null,
    answers: ReplyAnswers,
  ): Promise<{ turn: ReplyTurn; appointment: LockedAppointment | null }> {
    const patient = await this.patientFor(m, message, known);
    // Remembered between texts while its version stands (the version read with the link).
    const clinic = (await this.clinics.get(m, message.clinicId, message.clinicVersion))!;
    const { needsAttention, appointment } = await this.conversations.touchLocking(
      m,
      {
        clinicId: clinic.id,
        phone: patient.phone,
        patientId: patient.id,
        appointmentId: message.appointmentId,
        at: message.receivedAt,
      },
      lock,
    );
    const now = this.clock.now();
    return {
      turn: { clinic, message, patient, now, waitingForStaff: needsAttention, answers },
      appointment,
    };
  }

  /** A number the clinic does not know yet gets a patient row, so its thread can be read. */
  private async patientFor(
    m: EntityManager,
    message: ReceivedMessage,
    known: ReplyPatient | null,
  ): Promise<ReplyPatient> {
    if (known) return known;
    await this.patients.upsertMany(m, message.clinicId, [
      { phone: message.from, name: null, language: null, timezone: null },
    ]);
    const made = (await this.patients.forReply(m, message.clinicId, message.from))!;
    await this.messages.linkPatient(m, message.messageId, made.id);
    return made;
  }
}
