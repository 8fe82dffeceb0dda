import { Injectable } from '@nestjs/common';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { InvalidInputError } from '../common/errors/domain-errors';
import { daysInMonth, wallTimeToInstantCompatible } from '../common/time/starts-at';
import { CallListRepository } from './call-list.repository';
import type { CallListView, RiskModelView } from './dto/risk.dto';
import { coefficientsInWords, MIN_TRAINING_VISITS } from './risk-model';
import { RiskModelsRepository } from './risk-models.repository';
import { toRiskView } from './risk-view';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The staff-facing reads of risk: the model in words and the day's call list. */
@Injectable()
export class RiskService {
  constructor(
    private readonly clock: Clock,
    private readonly models: RiskModelsRepository,
    private readonly callList: CallListRepository,
  ) {}

  async model(clinic: ClinicEntity): Promise<RiskModelView> {
    const row = await this.models.find(clinic.id);
    const model = row?.model ?? null;
    if (row && model && row.fitted_at) {
      const rate = model.design.clinicRate;
      return {
        status: 'fitted',
        message:
          `Learned from ${model.trainingSize} finished visits (${(rate * 100).toFixed(1)}% ` +
          'no-shows); judged on the most recent month, fitted without it.',
        finishedVisits: row.finished_visits,
        minimumVisits: MIN_TRAINING_VISITS,
        trainingSize: model.trainingSize,
        fittedAt: iso(row.fitted_at),
        noShowRate: rate,
        coefficients: coefficientsInWords(model),
        evaluation: model.evaluation,
      };
    }
    const finished = row
      ? row.finished_visits
      : await this.models.finishedVisits(clinic.id, this.clock.now());
    const enough = finished >= MIN_TRAINING_VISITS;
    return {
      status: enough ? 'not_fitted_yet' : 'not_enough_history',
      message: enough
        ? 'Enough history: the model is fitted within a few minutes; nothing is scored until then.'
        : `Not enough history yet: ${finished} finished visits, the model needs at least ` +
          `${MIN_TRAINING_VISITS}. Nothing is scored until then.`,
      finishedVisits: finished,
      minimumVisits: MIN_TRAINING_VISITS,
      trainingSize: null,
      fittedAt: null,
      noShowRate: null,
      coefficients: [],
      evaluation: null,
    };
  }

  async day(clinic: ClinicEntity, date: string): Promise<CallListView> {
    const [year, month, day] = date.split('-').map(Number);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      throw new InvalidInputError([`date must be a calendar date YYYY-MM-DD (got "${date}")`]);
    }
    // The local day runs from this midnight to the next (23 or 25 hours across a DST change).
    const midnight = (offset: number) => {
      const date = new Date(Date.UTC(year, month - 1, day + offset));
      return wallTimeToInstantCompatible(
        {
          year: date.getUTCFullYear(),
          month: date.getUTCMonth() + 1,
          day: date.getUTCDate(),
          hour: 0,
          minute: 0,
          second: 0,
          millisecond: 0,
        },
        clinic.timezone,
      );
    };
    const from = midnight(0);
    const to = midnight(1);
    const rows = await this.callList.day(clinic.id, from, to);
    const reminders = await this.callList.reminders(rows.map((r) => r.id));
    return {
      date,
      timezone: clinic.timezone,
      items: rows.map((r) => ({
        id: r.id,
        externalId: r.external_id,
        status: r.status,
        startsAt: r.starts_at.toISOString(),
        patient: { name: r.patient_name, phone: r.patient_phone, language: r.patient_language },
        practitioner: r.practitioner,
        type: r.type,
        risk:
          r.score === null
            ? null
            : toRiskView({ appointment_id: r.id, score: r.score, reasons: r.reasons ?? [] }),
        reminders: reminders
          .filter((x) => x.appointment_id === r.id)
          .map((x) => ({
            offset: x.offset,
            dueAt: x.due_at.toISOString(),
            status: x.status,
            sentAt: iso(x.sent_at),
          })),
      })),
    };
  }
}
