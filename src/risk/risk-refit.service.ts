import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ClinicsRepository } from '../clinics/clinics.repository';
import { Clock } from '../common/clock/clock';
import { DueWork, SAFETY_POLL_MS } from '../common/due-work/due-work';
import { AppointmentReminders } from '../reminders/appointment-reminders.port';
import type { VisitFacts } from './risk-features';
import { fitRiskModel, MIN_TRAINING_VISITS, scoreVisit, type RiskModel } from './risk-model';
import { RiskModelsRepository, type ModelRow, type VisitRow } from './risk-models.repository';
import { RiskScoresRepository } from './risk-scores.repository';

/** How often each clinic is looked at: new outcomes counted, stale scores refreshed. */
export const CHECK_EVERY_MS = 60_000;
const REFIT_EVERY_MS = 86_400_000;

/**
 * A refit is due when there is no model yet, the model is a day old, or enough new outcomes
 * arrived since it was fitted: max(50, 10% of what it learned from). The pass's look
 * (RiskModelsRepository.clinicsToLook) holds the same rule in SQL; change both together.
 */
export function refitDue(
  last: { fittedAt: Date | null; finishedVisits: number; trainingSize: number | null },
  finished: number,
  now: Date,
): boolean {
  if (last.fittedAt === null) return true;
  if (now.getTime() - last.fittedAt.getTime() >= REFIT_EVERY_MS) return true;
  const wanted = Math.max(50, Math.ceil((last.trainingSize ?? 0) * 0.1));
  return finished - last.finishedVisits >= wanted;
}
const SCORE_BATCH = 2_000;

const factsOf = (r: VisitRow): VisitFacts => ({
  startsAt: r.starts_at,
  bookedAt: r.booked_at,
  priorVisits: r.prior_visits,
  priorNoShows: r.prior_no_shows,
  type: r.type,
  practitioner: r.practitioner,
  confirmed: r.confirmed,
});

/**
 * Due work: each clinic's risk model is refit daily and when enough new outcomes arrived, and
 * its upcoming appointments are (re)scored when missing, when the appointment changed (a
 * confirmation lowers the score) or when the model did. Crossing the clinic's `extraReminder`
 * threshold either way replans that appointment's reminders through the usual planning. Safe
 * with several instances: a clinic is taken by one (risk_models.checked_at), and the rows it
 * scores are locked SKIP LOCKED.
 */
@Injectable()
export class RiskRefit {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly models: RiskModelsRepository,
    private readonly scores: RiskScoresRepository,
    private readonly clinics: ClinicsRepository,
    private readonly reminders: AppointmentReminders,
  ) {}

  /**
   * The due-work pass, once a minute (SAFETY_POLL_MS): one statement finds the clinics with
   * work (`clinicsToLook`: finished visits changed, a refit due, a score missing or stale); each
   * is checked when it was not looked at within CHECK_EVERY_MS. No producer signals it (a signal
   * per finished visit would cost more than a minute's wait is worth to staff); it returns when
   * a clinic it had to leave may be taken, else a minute on.
   */
  @DueWork({
    name: 'risk-refit',
    poll: 'dispatchIntervalMs',
    safetyPollMs: SAFETY_POLL_MS,
    minGapMs: 1_000,
  })
  async pass(): Promise<Date | null> {
    const now = this.clock.now();
    const before = new Date(now.getTime() - CHECK_EVERY_MS);
    let next = now.getTime() + CHECK_EVERY_MS;
    const looks = await this.models.clinicsToLook(now, before, CHECK_EVERY_MS, {
      refitEveryMs: REFIT_EVERY_MS,
      minVisits: MIN_TRAINING_VISITS,
    });
    for (const look of looks) {
      if (!look.takeable) {
        if (look.takeable_at) next = Math.min(next, look.takeable_at.getTime());
        continue;
      }
      const row = await this.models.take(look.clinic_id, before, now);
      const clinic = row && (await this.clinics.findById(look.clinic_id));
      if (row && clinic) await this.check(clinic, row, look.finished, now);
    }
    return new Date(next);
  }

  private async check(
    clinic: ClinicEntity,
    row: ModelRow,
    finished: number,
    now: Date,
  ): Promise<void> {
    let model = row.model;
    let fittedAt = row.fitted_at;
    const refit = refitDue(
      { fittedAt, finishedVisits: row.finished_visits, trainingSize: row.training_size },
      finished,
      now,
    );
    if (finished < MIN_TRAINING_VISITS) {
      model = null;
      fittedAt = null;
    } else if (refit) {
      const visits = await this.models.trainingVisits(clinic.id, now);
      model = fitRiskModel(
        visits.map(factsOf),
        Uint8Array.from(visits, (v) => (v.no_show ? 1 : 0)),
        clinic.timezone,
      );
      fittedAt = model ? now : null;
    }
    if (refit || finished < MIN_TRAINING_VISITS) {
      await this.models.saveModel(clinic.id, { finishedVisits: finished, fittedAt, model });
    }
    if (model && fittedAt) await this.scoreUpcoming(clinic, model, fittedAt, now);
    else await this.unscore(clinic, now);
  }

  private async scoreUpcoming(
    clinic: ClinicEntity,
    model: RiskModel,
    fittedAt: Date,
    now: Date,
  ): Promise<void> {
    let scored: number;
    do {
      scored = await this.ds.transaction(async (m) => {
        const rows = await this.models.upcomingToScore(m, clinic.id, now, fittedAt, SCORE_BATCH);
        const writes = rows.map((r) => ({ ...scoreVisit(model, factsOf(r)), row: r }));
        await this.scores.save(
          m,
          clinic.id,
          fittedAt,
          now,
          writes.map(({ row, score, reasons }) => ({
            appointmentId: row.id,
            score,
            reasons,
            version: row.version,
          })),
        );
        const threshold = clinic.extraReminder?.aboveRisk;
        if (threshold !== undefined) {
          const crossed = writes.filter(
            ({ row, score }) => (row.old_score ?? -1) >= threshold !== score >= threshold,
          );
          await this.replan(
            m,
            clinic,
            crossed.map(({ row }) => row),
            now,
          );
        }
        return rows.length;
      });
    } while (scored === SCORE_BATCH);
  }

  /** Not enough history: no scores, and no extra reminders planned from old ones. */
  private async unscore(clinic: ClinicEntity, now: Date): Promise<void> {
    await this.ds.transaction(async (m) => {
      const had = await this.scores.clear(m, clinic.id);
      if (!clinic.extraReminder || had.length === 0) return;
      await this.replan(m, clinic, await this.models.upcomingAmong(m, had, now), now);
    });
  }

  private async replan(
    m: EntityManager,
    clinic: ClinicEntity,
    rows: { id: string; starts_at: Date; patient_timezone: string | null }[],
    now: Date,
  ): Promise<void> {
    await this.reminders.replan(
      m,
      clinic,
      rows.map((r) => ({
        appointmentId: r.id,
        startsAt: r.starts_at,
        patientTimezone: r.patient_timezone,
      })),
      now,
    );
  }
}
