import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ClinicSettingsChanged } from '../clinics/clinic-settings-changed';
import { Clock } from '../common/clock/clock';
import { DueSignals } from '../common/due-work/due-signals';
import { OUTBOUND_WORK } from '../outbound/message-kinds';
import { RiskScoresRepository } from '../risk/risk-scores.repository';
import type { QuietHours } from '../common/time/quiet-hours';
import { AppointmentReminders, ReminderTarget } from './appointment-reminders.port';
import { planReminders } from './reminder-plan';
import { ReminderVariants } from './reminder-variants.port';
import { ReminderWrite, RemindersRepository } from './reminders.repository';

export function clinicQuietHours(clinic: ClinicEntity): QuietHours | null {
  return clinic.quietHoursStart && clinic.quietHoursEnd
    ? { start: clinic.quietHoursStart, end: clinic.quietHoursEnd }
    : null;
}

/** Turns appointments into reminder rows, in the caller's transaction. */
@Injectable()
export class ReminderPlanService implements AppointmentReminders, ClinicSettingsChanged {
  constructor(
    private readonly reminders: RemindersRepository,
    private readonly clock: Clock,
    private readonly signals: DueSignals,
    private readonly variants: ReminderVariants,
    private readonly risk: RiskScoresRepository,
  ) {}

  async plan(
    m: EntityManager,
    clinic: ClinicEntity,
    targets: ReminderTarget[],
    now: Date,
  ): Promise<void> {
    const ids = targets.map((t) => t.appointmentId);
    await this.planWith(m, clinic, targets, now, await this.variants.assign(m, clinic, ids, now));
  }

  /** `offsets`: the appointments whose experiment variant sets its own reminder offsets. */
  private async planWith(
    m: EntityManager,
    clinic: ClinicEntity,
    targets: ReminderTarget[],
    now: Date,
    offsets: Map<string, string[]>,
  ): Promise<void> {
    const quietHours = clinicQuietHours(clinic);
    const extra = clinic.extraReminder;
    // Scores come from the risk refit, which replans an appointment whose score crosses the bar.
    const risky = extra
      ? await this.risk.atOrAbove(
          m,
          targets.map((t) => t.appointmentId),
          extra.aboveRisk,
        )
      : new Set<string>();
    const rows: ReminderWrite[] = [];
    for (const t of targets) {
      const base = offsets.get(t.appointmentId) ?? clinic.reminderOffsets;
      const planned = planReminders({
        startsAt: t.startsAt,
        offsets: extra && risky.has(t.appointmentId) ? [...base, extra.offset] : base,
        zone: t.patientTimezone ?? clinic.timezone,
        quietHours,
        now,
      });
      for (const p of planned) {
        rows.push({
          appointmentId: t.appointmentId,
          offset: p.offset,
          plannedFor: t.startsAt,
          dueAt: p.dueAt,
          status: p.status,
          reason: p.reason ?? null,
        });
      }
    }
    await this.reminders.insertPlan(m, clinic.id, rows);
    // At commit, the outbound pipeline learns of the earliest: it may sleep past it otherwise.
    const due = rows.filter((r) => r.status === 'pending').map((r) => r.dueAt.getTime());
    if (due.length > 0) {
      const earliest = Math.min(...due);
      await this.signals.notify(
        m,
        OUTBOUND_WORK,
        earliest > now.getTime() ? new Date(earliest) : undefined,
      );
    }
  }

  async replan(
    m: EntityManager,
    clinic: ClinicEntity,
    targets: ReminderTarget[],
    now: Date,
  ): Promise<void> {
    if (targets.length === 0) return;
    await this.reminders.cancelPending(
      m,
      targets.map((t) => t.appointmentId),
      'replanned',
    );
    const ids = targets.map((t) => t.appointmentId);
    await this.planWith(m, clinic, targets, now, await this.variants.offsetsOf(m, ids));
  }

  async cancelPending(m: EntityManager, appointmentIds: string[]): Promise<void> {
    await this.reminders.cancelPending(m, appointmentIds, 'appointment_not_live');
  }

  /** New offsets, extra reminder, quiet hours or zone apply to the pending reminders of future appointments. */
  async afterUpdate(m: EntityManager, before: ClinicEntity, after: ClinicEntity): Promise<void> {
    const changed =
      before.timezone !== after.timezone ||
      before.quietHoursStart !== after.quietHoursStart ||
      before.quietHoursEnd !== after.quietHoursEnd ||
      before.reminderOffsets.join(',') !== after.reminderOffsets.join(',') ||
      JSON.stringify(before.extraReminder) !== JSON.stringify(after.extraReminder);
    if (!changed) return;
    const now = this.clock.now();
    const rows = await this.reminders.replannable(m, after.id, now);
    await this.replan(
      m,
      after,
      rows.map((r) => ({
        appointmentId: r.id,
        startsAt: r.starts_at,
        patientTimezone: r.patient_timezone,
      })),
      now,
    );
  }
}
