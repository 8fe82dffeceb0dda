import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { PatientsRepository } from '../patients/patients.repository';
import { AppointmentReminders, ReminderTarget } from '../reminders/appointment-reminders.port';
import {
  AppointmentStatus,
  CalendarEventType,
  isLive,
  MACHINE_VERSION,
} from './appointment.machine';
import { AppointmentWorkflowService } from './appointment-workflow.service';
import { FreedReason, FreedTime, FreedTimeOf } from './freed-time.port';
import { normalizeAppointment } from './appointment-normalizer';
import { AppointmentWrite, AppointmentsRepository, HistoryWrite } from './appointments.repository';
import { bulkWithRowFallback, RefusedRow } from './bulk-with-row-fallback';
import { decideImport, ExistingAppointment, IncomingAppointment } from './import-decision';

export type ImportOutcome =
  | {
      index: number;
      externalId: string | null;
      id: string;
      outcome: 'created' | 'updated' | 'unchanged';
    }
  | {
      index: number;
      externalId: string | null;
      id: string | null;
      outcome: 'error';
      kind: 'invalid' | 'conflict';
      errors: string[];
    };

interface Plan {
  creates: { item: IncomingAppointment; write: AppointmentWrite }[];
  updates: { item: IncomingAppointment; write: AppointmentWrite & { id: string } }[];
  history: HistoryWrite[];
  replan: ReminderTarget[];
  cancel: string[];
  writeBack: { appointmentId: string; type: CalendarEventType }[];
  /** time an update gives back: cancelled, or moved away */
  freed: { time: FreedTimeOf; reason: FreedReason }[];
}

/**
 * The idempotent upsert behind POST /v1/appointments and its batch form: a constant number of
 * statements per batch, with a row-by-row retry only when the database refuses a row.
 */
@Injectable()
export class AppointmentImportService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly appointments: AppointmentsRepository,
    private readonly patients: PatientsRepository,
    private readonly reminders: AppointmentReminders,
    private readonly workflow: AppointmentWorkflowService,
    private readonly freedTime: FreedTime,
  ) {}

  async upsert(clinic: ClinicEntity, rawItems: unknown[]): Promise<ImportOutcome[]> {
    const now = this.clock.now();
    const results: ImportOutcome[] = new Array(rawItems.length);
    const valid: IncomingAppointment[] = [];
    const firstIndex = new Map<string, number>();
    const phones = new Map<string, string | null>();

    rawItems.forEach((raw, index) => {
      const normalized = normalizeAppointment(raw, index, clinic, phones);
      const externalId = externalIdOf(raw);
      if (!normalized.ok) {
        results[index] = {
          index,
          externalId,
          id: null,
          outcome: 'error',
          kind: 'invalid',
          errors: normalized.errors,
        };
        return;
      }
      const earlier = firstIndex.get(normalized.value.externalId);
      if (earlier !== undefined) {
        results[index] = {
          index,
          externalId,
          id: null,
          outcome: 'error',
          kind: 'invalid',
          errors: [`externalId ${normalized.value.externalId} already appears at index ${earlier}`],
        };
        return;
      }
      firstIndex.set(normalized.value.externalId, index);
      valid.push(normalized.value);
    });
    if (valid.length === 0) return results;

    await this.ds.transaction(async (m) => {
      const patientRefs = await this.patients.upsertMany(
        m,
        clinic.id,
        valid.map((v) => ({
          phone: v.phone,
          name: v.patientName,
          language: v.language,
          timezone: v.patientTimezone,
        })),
      );
      await this.patients.recordClinicOptIns(
        m,
        clinic.id,
        valid.flatMap((v) =>
          v.consent ? [{ patientId: patientRefs.get(v.phone)!.id, ...v.consent }] : [],
        ),
        now,
      );
      const existing = await this.appointments.lockByExternalIds(
        m,
        clinic.id,
        valid.map((v) => v.externalId),
      );
      const plan: Plan = {
        creates: [],
        updates: [],
        history: [],
        replan: [],
        cancel: [],
        writeBack: [],
        freed: [],
      };

      for (const item of valid) {
        const patient = patientRefs.get(item.phone)!;
        const current = existing.get(item.externalId) ?? null;
        const decision = decideImport(current, item, patient.id);
        const write: AppointmentWrite = {
          externalId: item.externalId,
          patientId: patient.id,
          startsAt: item.startsAt,
          endsAt: item.endsAt,
          durationMinutes: item.durationMinutes,
          practitioner: item.practitioner,
          location: item.location,
          type: item.type,
          status: item.status,
        };
        switch (decision.kind) {
          case 'create':
            plan.creates.push({ item, write });
            break;
          case 'unchanged':
            results[item.index] = {
              index: item.index,
              externalId: item.externalId,
              id: current!.id,
              outcome: 'unchanged',
            };
            break;
          case 'conflict':
            results[item.index] = {
              index: item.index,
              externalId: item.externalId,
              id: current!.id,
              outcome: 'error',
              kind: 'conflict',
              errors: [decision.message],
            };
            break;
          case 'update': {
            const id = current!.id;
            plan.updates.push({ item, write: { ...write, id, status: decision.status } });
            for (const e of decision.events) {
              plan.history.push({
                appointmentId: id,
                at: now,
                event: e.type,
                from: e.from,
                to: e.to,
                source: 'import',
              });
            }
            if (decision.cancelReminders) plan.cancel.push(id);
            const freed = freedByUpdate(clinic.id, current!, decision.status, item.startsAt);
            if (freed) plan.freed.push(freed);
            for (const type of decision.calendarEvents)
              plan.writeBack.push({ appointmentId: id, type });
            if (decision.replan) {
              plan.replan.push({
                appointmentId: id,
                startsAt: item.startsAt,
                patientTimezone: patient.timezone,
              });
            }
            break;
          }
        }
      }

      const created = await this.writeCreates(m, clinic, plan, results);
      const updated = await this.writeUpdates(m, clinic, plan, results);
      const history = plan.history.filter((h) => updated.has(h.appointmentId));
      for (const c of created) {
        history.push({
          appointmentId: c.id,
          at: now,
          event: 'CREATED',
          from: null,
          to: c.item.status,
          source: 'import',
        });
      }
      await this.appointments.insertHistory(m, clinic.id, history);

      await this.reminders.cancelPending(
        m,
        plan.cancel.filter((id) => updated.has(id)),
        now,
      );
      await this.reminders.replan(
        m,
        clinic,
        plan.replan.filter((t) => updated.has(t.appointmentId)),
        now,
      );
      for (const f of plan.freed.filter((x) => updated.has(x.time.appointmentId))) {
        await this.freedTime.record(m, f.time, f.reason, now);
      }
      for (const w of plan.writeBack.filter((x) => updated.has(x.appointmentId))) {
        await this.workflow.writeBack(m, clinic, w.appointmentId, w.type, now);
      }
      await this.reminders.plan(
        m,
        clinic,
        created
          .filter((c) => c.item.status === 'scheduled')
          .map((c) => ({
            appointmentId: c.id,
            startsAt: c.item.startsAt,
            patientTimezone: patientRefs.get(c.item.phone)!.timezone,
          })),
        now,
      );
    });
    return results;
  }

  private async writeCreates(
    m: EntityManager,
    clinic: ClinicEntity,
    plan: Plan,
    results: ImportOutcome[],
  ): Promise<{ id: string; item: IncomingAppointment }[]> {
    const rows = plan.creates;
    if (rows.length === 0) return [];
    const { written: ids, refused } = await bulkWithRowFallback(m, rows, (batch) =>
      this.appointments.insertMany(
        m,
        clinic.id,
        batch.map((r) => r.write),
        MACHINE_VERSION,
      ),
    );
    recordRefused(results, refused);
    const created: { id: string; item: IncomingAppointment }[] = [];
    for (const { item } of rows) {
      const id = ids.get(item.externalId);
      if (!id) continue;
      results[item.index] = {
        index: item.index,
        externalId: item.externalId,
        id,
        outcome: 'created',
      };
      created.push({ id, item });
    }
    return created;
  }

  private async writeUpdates(
    m: EntityManager,
    clinic: ClinicEntity,
    plan: Plan,
    results: ImportOutcome[],
  ): Promise<Set<string>> {
    const rows = plan.updates;
    if (rows.length === 0) return new Set();
    const { written: done, refused } = await bulkWithRowFallback(m, rows, async (batch) => {
      await this.appointments.updateMany(
        m,
        clinic.id,
        batch.map((r) => r.write),
      );
      return new Map(batch.map((r) => [r.item.externalId, r.write.id]));
    });
    recordRefused(results, refused);
    for (const { item, write } of rows) {
      if (done.has(item.externalId)) {
        results[item.index] = {
          index: item.index,
          externalId: item.externalId,
          id: write.id,
          outcome: 'updated',
        };
      }
    }
    return new Set(done.values());
  }
}

function recordRefused(
  results: ImportOutcome[],
  refused: RefusedRow<{ item: IncomingAppointment }>[],
): void {
  for (const { row, kind, errors } of refused) {
    const { index, externalId } = row.item;
    results[index] = { index, externalId, id: null, outcome: 'error', kind, errors };
  }
}

function externalIdOf(raw: unknown): string | null {
  if (typeof raw === 'object' && raw !== null && 'externalId' in raw) {
    const v = raw.externalId;
    return typeof v === 'string' ? v : null;
  }
  return null;
}

/** The time an upload gives back: a live appointment cancelled, or moved to another time. */
function freedByUpdate(
  clinicId: string,
  current: ExistingAppointment,
  status: AppointmentStatus,
  startsAt: Date,
): { time: FreedTimeOf; reason: FreedReason } | null {
  if (!isLive(current.status)) return null;
  const reason: FreedReason | null =
    status === 'cancelled'
      ? 'cancelled_by_upload'
      : startsAt.getTime() !== current.startsAt.getTime()
        ? 'moved'
        : null;
  if (!reason) return null;
  const time = {
    clinicId,
    appointmentId: current.id,
    practitioner: current.practitioner,
    location: current.location,
    type: current.type,
    startsAt: current.startsAt,
    endsAt: new Date(current.startsAt.getTime() + current.durationMinutes * 60_000),
    durationMinutes: current.durationMinutes,
  };
  return { time, reason };
}
