import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { PatientsRepository } from '../patients/patients.repository';
import { ConversationOutbox } from './conversation-outbox.port';
import { exportItems } from './conversation-export';
import {
  ConversationMessageRow,
  ConversationRow,
  ConversationsRepository,
} from './conversations.repository';
import type {
  ConversationExportView,
  ConversationList,
  ConversationMessageView,
  ConversationSummaryView,
  ConversationView,
  ListConversationsQuery,
} from './dto/conversations.dto';

const E164 = /^\+[1-9]\d{6,14}$/;
const THREAD_LIMIT = 500;

/** The staff inbox: what needs a person, the thread with a patient, a staff reply, resolve. */
@Injectable()
export class ConversationsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly conversations: ConversationsRepository,
    private readonly patients: PatientsRepository,
    private readonly outbox: ConversationOutbox,
    private readonly clock: Clock,
  ) {}

  async list(clinic: ClinicEntity, q: ListConversationsQuery): Promise<ConversationList> {
    const rows = await this.conversations.list(clinic.id, {
      needsAttention: q.needsAttention,
      limit: q.limit ?? 100,
    });
    return {
      items: rows.map((r): ConversationSummaryView => ({
        ...summary(r),
        lastMessageAt: r.last_message_at.toISOString(),
        lastMessage: r.last ? toMessage(r.last) : null,
        lastInbound: r.last_inbound ? toMessage(r.last_inbound) : null,
      })),
    };
  }

  async get(clinic: ClinicEntity, phone: string): Promise<ConversationView> {
    const row = await this.find(clinic, phone);
    const messages = await this.conversations.messages(clinic.id, row.patient_id, THREAD_LIMIT);
    return { ...summary(row), messages: messages.map(toMessage) };
  }

  /** Sent through the outbound pipeline like any answer, and kept in the thread. */
  async reply(clinic: ClinicEntity, phone: string, body: string): Promise<ConversationView> {
    checkPhone(phone);
    const now = this.clock.now();
    await this.ds.transaction(async (m) => {
      const patient = await this.patients.forReply(m, clinic.id, phone);
      if (!patient) throw new NotFoundError('conversation');
      if (patient.opted_out) {
        throw new ConflictError(['the patient opted out; only they can opt back in (START)']);
      }
      await this.conversations.touch(m, {
        clinicId: clinic.id,
        phone,
        patientId: patient.id,
        appointmentId: null,
        at: now,
      });
      await this.outbox.enqueue(m, {
        clinicId: clinic.id,
        patientId: patient.id,
        appointmentId: null,
        to: phone,
        body,
        kind: 'staff',
        at: now,
      });
    });
    return this.get(clinic, phone);
  }

  async resolve(clinic: ClinicEntity, phone: string): Promise<ConversationView> {
    checkPhone(phone);
    if (!(await this.conversations.resolve(clinic.id, phone, this.clock.now()))) {
      throw new NotFoundError('conversation');
    }
    return this.get(clinic, phone);
  }

  /** Every message and consent event of the number, oldest first; 404 when it is no patient. */
  async export(clinic: ClinicEntity, phone: string): Promise<ConversationExportView> {
    checkPhone(phone);
    const [messages, events] = await Promise.all([
      this.conversations.allMessages(clinic.id, phone),
      this.patients.consentEvents(this.ds.manager, clinic.id, phone),
    ]);
    if (
      messages.length === 0 &&
      events.length === 0 &&
      !(await this.patients.exists(this.ds.manager, clinic.id, phone))
    ) {
      throw new NotFoundError('patient');
    }
    return { patientPhone: phone, items: exportItems(messages, events) };
  }

  private async find(clinic: ClinicEntity, phone: string): Promise<ConversationRow> {
    checkPhone(phone);
    const row = await this.conversations.find(clinic.id, phone);
    if (!row) throw new NotFoundError('conversation');
    return row;
  }
}

/** Conversations are keyed by +E.164 only: another spelling is a mistake worth naming. */
function checkPhone(phone: string): void {
  if (!E164.test(phone)) {
    throw new InvalidInputError([
      'patientPhone must be a +E.164 number, URL-encoded (%2B13125550123)',
    ]);
  }
}

function summary(r: ConversationRow) {
  return {
    patientPhone: r.patient_phone,
    patientName: r.patient_name,
    appointmentId: r.appointment_id,
    needsAttention: r.needs_attention,
    reason: r.reason,
    flaggedAt: r.flagged_at ? r.flagged_at.toISOString() : null,
  };
}

function toMessage(r: ConversationMessageRow): ConversationMessageView {
  return {
    id: r.id,
    direction: r.direction,
    kind: r.direction === 'inbound' ? 'inbound' : r.kind,
    body: r.body,
    // row_to_json gives the last message's time as text
    at: new Date(r.created_at).toISOString(),
    status: r.status,
    appointmentId: r.appointment_id,
    media: r.media ?? [],
  };
}
