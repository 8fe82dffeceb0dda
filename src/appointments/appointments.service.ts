import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import {
  ConflictError,
  IllegalTransitionError,
  InvalidInputError,
  NotFoundError,
} from '../common/errors/domain-errors';
import { parseStartsAt, TimeInputError } from '../common/time/starts-at';
import { AppointmentEventType } from './appointment.machine';
import { AppointmentImportService, ImportOutcome } from './appointment-import.service';
import { toConsentView } from '../patients/consent.mapper';
import { PatientsRepository } from '../patients/patients.repository';
import { withRisk } from '../risk/risk-view';
import { RiskScoresRepository } from '../risk/risk-scores.repository';
import { toAppointmentView } from './appointment-view.mapper';
import { AppointmentWorkflowService } from './appointment-workflow.service';
import { AppointmentDetailsRepository } from './appointment-details.repository';
import { AppointmentRow, AppointmentsRepository } from './appointments.repository';
import { decodeCursor, encodeCursor } from './cursor';
import type {
  AppointmentPage,
  AppointmentView,
  UpsertedAppointmentView,
} from './dto/appointment-view.dto';
import type { ListAppointmentsQuery } from './dto/list-appointments.dto';
import type { PatchAppointmentDto, StaffStatus } from './dto/patch-appointment.dto';
import type { BatchResultView, UpsertAppointmentDto } from './dto/upsert-appointment.dto';

const STAFF_EVENTS: Record<StaffStatus, AppointmentEventType> = {
  arrived: 'STAFF_ARRIVED',
  completed: 'STAFF_COMPLETED',
  no_show: 'STAFF_NO_SHOW',
  cancelled: 'STAFF_CANCEL',
};

@Injectable()
export class AppointmentsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly importer: AppointmentImportService,
    private readonly workflow: AppointmentWorkflowService,
    private readonly appointments: AppointmentsRepository,
    private readonly details: AppointmentDetailsRepository,
    private readonly patients: PatientsRepository,
    private readonly risk: RiskScoresRepository,
  ) {}

  async upsertOne(
    clinic: ClinicEntity,
    dto: UpsertAppointmentDto,
  ): Promise<UpsertedAppointmentView> {
    const [result] = await this.importer.upsert(clinic, [dto]);
    if (result.outcome === 'error') {
      throw result.kind === 'conflict'
        ? new ConflictError(result.errors)
        : new InvalidInputError(result.errors);
    }
    return { ...(await this.get(clinic, result.id)), outcome: result.outcome };
  }

  async upsertBatch(clinic: ClinicEntity, items: unknown[]): Promise<BatchResultView> {
    const results = await this.importer.upsert(clinic, items);
    return { results: results.map(toBatchResult) };
  }

  async get(clinic: ClinicEntity, id: string): Promise<AppointmentView> {
    const row = isUuid(id) ? await this.appointments.findById(clinic.id, id) : null;
    if (!row) throw new NotFoundError('appointment');
    const [reminders, history, messages, consent, experiments, risk] = await Promise.all([
      this.details.remindersFor([id]),
      this.appointments.historyFor([id]),
      this.details.messagesFor(id),
      this.patients.latestConsent(this.ds.manager, row.patient_id),
      this.details.experimentsFor([id]),
      this.risk.scoresFor([id]),
    ]);
    const view = toAppointmentView(row, reminders, history, messages);
    view.patient.consent = toConsentView(consent);
    const experiment = experiments.get(id);
    if (experiment) view.experiment = experiment;
    return withRisk(view, risk);
  }

  async list(clinic: ClinicEntity, q: ListAppointmentsQuery): Promise<AppointmentPage> {
    const limit = q.limit ?? 50;
    const rows = await this.appointments.list(clinic.id, {
      from: q.from ? this.parseBound('from', q.from, clinic) : undefined,
      to: q.to ? this.parseBound('to', q.to, clinic) : undefined,
      status: q.status,
      externalId: q.externalId,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.id);
    const [reminders, history, experiments, risk] = ids.length
      ? await Promise.all([
          this.details.remindersFor(ids),
          this.appointments.historyFor(ids),
          this.details.experimentsFor(ids),
          this.risk.scoresFor(ids),
        ])
      : [[], [], new Map<string, { id: string; variant: string }>(), []];
    const last = page[page.length - 1];
    return {
      items: page.map((r) => {
        const view = toAppointmentView(
          r,
          reminders.filter((x) => x.appointment_id === r.id),
          history.filter((h) => h.appointment_id === r.id),
        );
        const experiment = experiments.get(r.id);
        if (experiment) view.experiment = experiment;
        return withRisk(view, risk);
      }),
      nextCursor: rows.length > limit && last ? encodeCursor(last.starts_at, last.id) : null,
    };
  }

  /** Staff changes: a status move the machine allows, or a new time. */
  async patch(
    clinic: ClinicEntity,
    id: string,
    dto: PatchAppointmentDto,
  ): Promise<AppointmentView> {
    if (dto.status === undefined && dto.startsAt === undefined) {
      throw new InvalidInputError(['status or startsAt is required']);
    }
    if (!isUuid(id)) throw new NotFoundError('appointment');
    const startsAt = dto.startsAt ? this.parseTime('startsAt', dto.startsAt, clinic) : undefined;
    const now = this.clock.now();
    await this.ds.transaction(async (m) => {
      let row: AppointmentRow | null = await this.appointments.lockById(m, clinic.id, id);
      if (!row) throw new NotFoundError('appointment');
      if (startsAt && startsAt.getTime() !== row.starts_at.getTime()) {
        const endsAt = new Date(startsAt.getTime() + row.duration_minutes * 60_000);
        const r = await this.workflow.apply(m, clinic, row, 'STAFF_RESCHEDULE', 'staff', now, {
          startsAt,
          endsAt,
        });
        if (!r.accepted) throw new IllegalTransitionError(row.status, 'a new time');
        row = (await this.appointments.lockById(m, clinic.id, id))!;
      }
      if (dto.status && dto.status !== row.status) {
        const r = await this.workflow.apply(m, clinic, row, STAFF_EVENTS[dto.status], 'staff', now);
        if (!r.accepted) throw new IllegalTransitionError(row.status, dto.status);
      }
    });
    return this.get(clinic, id);
  }

  private parseTime(field: string, value: string, clinic: ClinicEntity): Date {
    try {
      return parseStartsAt(value, clinic.timezone);
    } catch (e) {
      if (e instanceof TimeInputError) throw new InvalidInputError([`${field}: ${e.message}`]);
      throw e;
    }
  }

  /** A list bound: a date (local midnight in the clinic zone) or a time. */
  private parseBound(field: string, value: string, clinic: ClinicEntity): Date {
    const asDate = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00` : value;
    return this.parseTime(field, asDate, clinic);
  }
}

function toBatchResult(r: ImportOutcome) {
  if (r.outcome === 'error') {
    return {
      index: r.index,
      externalId: r.externalId,
      id: r.id,
      outcome: r.outcome,
      errors: r.errors,
    };
  }
  return { index: r.index, externalId: r.externalId, id: r.id, outcome: r.outcome };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
