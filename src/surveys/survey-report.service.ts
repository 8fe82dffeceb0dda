import { Injectable } from '@nestjs/common';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { InvalidInputError } from '../common/errors/domain-errors';
import { parseReportRange } from '../reports/report-range';
import { CsvCell, toCsv } from '../reports/csv';
import type {
  SurveyAnswersView,
  SurveyGroupBy,
  SurveyListQuery,
  SurveyMetricsView,
  SurveyRangeQuery,
  SurveyReportQuery,
  SurveyReportView,
} from './dto/surveys.dto';
import { SurveyFilter, SurveyReportRow, SurveysRepository } from './surveys.repository';

const MAX_ANSWERS = 500;
const CSV_HEADER = [
  'scope',
  'key',
  'sent',
  'answered',
  'responseRate',
  'average',
  'score1',
  'score2',
  'score3',
  'score4',
  'score5',
  'comments',
];

const round = (value: number, places: number) => Number(value.toFixed(places));

function metrics(rows: SurveyReportRow[]): SurveyMetricsView {
  const sum = (pick: (r: SurveyReportRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
  const sent = sum((r) => r.sent);
  const answered = sum((r) => r.answered);
  const distribution = {
    1: sum((r) => r.s1),
    2: sum((r) => r.s2),
    3: sum((r) => r.s3),
    4: sum((r) => r.s4),
    5: sum((r) => r.s5),
  };
  const total = [1, 2, 3, 4, 5].reduce((n, s) => n + s * distribution[s as 1], 0);
  return {
    sent,
    answered,
    responseRate: sent === 0 ? null : round(answered / sent, 4),
    average: answered === 0 ? null : round(total / answered, 2),
    distribution,
    comments: sum((r) => r.comments),
  };
}

/** The survey report and the list of answers, over visits' local dates in the clinic's zone. */
@Injectable()
export class SurveyReportService {
  constructor(private readonly surveys: SurveysRepository) {}

  async report(clinic: ClinicEntity, q: SurveyReportQuery): Promise<SurveyReportView> {
    const filter = this.filter(clinic, q);
    const groupBy: SurveyGroupBy = q.groupBy ?? 'none';
    const rows = await this.surveys.report(filter, groupBy);
    return {
      from: filter.from,
      to: filter.to,
      timezone: clinic.timezone,
      groupBy,
      totals: metrics(rows),
      groups: groupBy === 'none' ? [] : rows.map((r) => ({ key: r.key, ...metrics([r]) })),
    };
  }

  async csv(
    clinic: ClinicEntity,
    q: SurveyReportQuery,
  ): Promise<{ fileName: string; body: string }> {
    const view = await this.report(clinic, q);
    const line = (scope: string, key: string | null, m: SurveyMetricsView): CsvCell[] => [
      scope,
      key,
      m.sent,
      m.answered,
      m.responseRate,
      m.average,
      ...[1, 2, 3, 4, 5].map((s) => m.distribution[s as 1]),
      m.comments,
    ];
    const rows = [
      ...view.groups.map((g) => line(view.groupBy, g.key, g)),
      line('total', null, view.totals),
    ];
    return {
      fileName: `surveys_${view.from}_${view.to}_${view.groupBy}.csv`,
      body: toCsv(CSV_HEADER, rows),
    };
  }

  async answers(clinic: ClinicEntity, q: SurveyListQuery): Promise<SurveyAnswersView> {
    const rows = await this.surveys.answers(this.filter(clinic, q), q.maxScore ?? 5, MAX_ANSWERS);
    return {
      items: rows.map((r) => ({
        id: r.id,
        appointmentId: r.appointment_id,
        patientPhone: r.patient_phone,
        patientName: r.patient_name,
        practitioner: r.practitioner,
        location: r.location,
        type: r.type,
        visitAt: r.visit_at.toISOString(),
        score: r.score,
        answeredAt: r.answered_at.toISOString(),
        comment: r.comment,
        commentedAt: r.commented_at?.toISOString() ?? null,
      })),
    };
  }

  private filter(clinic: ClinicEntity, q: SurveyRangeQuery): SurveyFilter {
    const range = parseReportRange(q.from, q.to);
    if (!range.ok) throw new InvalidInputError(range.errors);
    return { clinicId: clinic.id, zone: clinic.timezone, from: range.from, to: range.to };
  }
}
