import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { daysInMonth, localDate } from '../common/time/starts-at';
import { TEMPLATE_LANGUAGES } from '../messaging/templates';
import type {
  CreateExperimentDto,
  ExperimentResultsView,
  ExperimentView,
  ReadyTemplateListView,
  VariantResultView,
} from './dto/experiment.dto';
import { compare, verdict, wilsonInterval, type Outcomes } from './experiment-statistics';
import {
  ExperimentRow,
  ExperimentsRepository,
  OpenExperimentExists,
  StoredVariant,
} from './experiments.repository';
import { checkTemplates, READY_TEMPLATES, templateProblems } from './variant-templates';

type Status = 'scheduled' | 'running' | 'ended';

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.split('-').map(Number);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function experimentStatus(row: ExperimentRow, today: string): Status {
  if (row.ended_at || (row.ends_on !== null && row.ends_on < today)) return 'ended';
  return row.starts_on > today ? 'scheduled' : 'running';
}

@Injectable()
export class ExperimentsService {
  constructor(
    private readonly experiments: ExperimentsRepository,
    private readonly clock: Clock,
  ) {}

  async create(clinic: ClinicEntity, input: CreateExperimentDto): Promise<ExperimentView> {
    const now = this.clock.now();
    const today = localDate(now, clinic.timezone);
    const problems = this.problems(clinic, input, today);
    if (problems.length > 0) throw new InvalidInputError(problems);
    await this.experiments.endLapsed(clinic.id, today, now);
    const variants: StoredVariant[] = input.variants.map((v) => ({
      key: v.key,
      ...(v.templates ? { templates: { en: v.templates.en, es: v.templates.es } } : {}),
      ...(v.reminderOffsets ? { reminderOffsets: v.reminderOffsets } : {}),
    }));
    try {
      const row = await this.experiments.insert(
        {
          clinic_id: clinic.id,
          name: input.name,
          variants,
          weights: input.weights ?? variants.map(() => 1),
          starts_on: input.startsOn,
          ends_on: input.endsOn ?? null,
        },
        now,
      );
      return this.view(clinic, row, today);
    } catch (error) {
      if (!(error instanceof OpenExperimentExists)) throw error;
      const open = await this.experiments.open(clinic.id);
      const which = open ? `experiment "${open.name}" (${open.id})` : 'another experiment';
      const state = open ? experimentStatus(open, today) : 'running';
      throw new ConflictError([
        `${which} is ${state}; one experiment at a time: end it first` +
          (open ? ` (POST /v1/experiments/${open.id}/end)` : ''),
      ]);
    }
  }

  async list(clinic: ClinicEntity): Promise<ExperimentView[]> {
    const today = localDate(this.clock.now(), clinic.timezone);
    return (await this.experiments.list(clinic.id)).map((row) => this.view(clinic, row, today));
  }

  async end(clinic: ClinicEntity, id: string): Promise<ExperimentView> {
    const now = this.clock.now();
    await this.found(clinic, id);
    await this.experiments.end(clinic.id, id, now);
    return this.view(clinic, await this.found(clinic, id), localDate(now, clinic.timezone));
  }

  readyTemplates(): ReadyTemplateListView {
    return { items: READY_TEMPLATES.map((t) => ({ ...t, templates: { ...t.templates } })) };
  }

  async results(clinic: ClinicEntity, id: string): Promise<ExperimentResultsView> {
    const row = await this.found(clinic, id);
    const counts = new Map((await this.experiments.counts(id)).map((c) => [c.variant_index, c]));
    const outcomes: Outcomes[] = row.variants.map((_, i) => ({
      noShows: counts.get(i)?.no_shows ?? 0,
      attended: counts.get(i)?.attended ?? 0,
    }));
    const first = row.variants[0].key;
    const variants = row.variants.map((variant, i): VariantResultView => {
      const c = counts.get(i);
      const appointments = c?.appointments ?? 0;
      const { noShows, attended } = outcomes[i];
      const finished = noShows + attended;
      const interval = wilsonInterval(noShows, finished);
      const comparison = i === 0 ? null : compare(outcomes[i], outcomes[0]);
      return {
        key: variant.key,
        appointments,
        attended,
        noShows,
        noShowRate: finished > 0 ? round4(noShows / finished) : null,
        noShowRateInterval: interval
          ? { low: round4(interval.low), high: round4(interval.high) }
          : null,
        confirmedRate: appointments > 0 ? round4((c?.confirmed ?? 0) / appointments) : null,
        comparison: comparison && {
          against: first,
          difference: round4(comparison.difference),
          differenceInterval: {
            low: round4(comparison.differenceInterval.low),
            high: round4(comparison.differenceInterval.high),
          },
          pValue: comparison.pValue,
          test: comparison.test,
          neededPerVariant: comparison.neededPerVariant,
          moreNeededPerVariant:
            comparison.neededPerVariant === null
              ? null
              : Math.max(
                  0,
                  comparison.neededPerVariant -
                    Math.min(finished, outcomes[0].noShows + outcomes[0].attended),
                ),
        },
        sentence:
          i === 0 ? null : verdict(variant.key, outcomes[i], first, outcomes[0], comparison),
      };
    });
    return {
      experimentId: row.id,
      name: row.name,
      status: experimentStatus(row, localDate(this.clock.now(), clinic.timezone)),
      variants,
      summary: variants
        .map((v) => v.sentence)
        .filter((s): s is string => s !== null)
        .join(' '),
    };
  }

  private async found(clinic: ClinicEntity, id: string): Promise<ExperimentRow> {
    const row = isUUID(id) ? await this.experiments.find(clinic.id, id) : undefined;
    if (!row) throw new NotFoundError('experiment');
    return row;
  }

  private problems(clinic: ClinicEntity, input: CreateExperimentDto, today: string): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    input.variants.forEach((variant, i) => {
      if (seen.has(variant.key)) problems.push(`variants[${i}].key must be unique`);
      seen.add(variant.key);
      if (!variant.templates) return;
      for (const language of TEMPLATE_LANGUAGES) {
        problems.push(
          ...templateProblems(
            variant.templates[language],
            language,
            clinic.name,
            `variants[${i}].templates.${language}`,
          ),
        );
      }
    });
    if (input.weights && input.weights.length !== input.variants.length) {
      problems.push(`weights must have one weight per variant (${input.variants.length})`);
    }
    if (!isCalendarDate(input.startsOn)) problems.push('startsOn must be a calendar date');
    if (input.endsOn) {
      if (!isCalendarDate(input.endsOn)) problems.push('endsOn must be a calendar date');
      else if (input.endsOn < input.startsOn) problems.push('endsOn must not be before startsOn');
      else if (input.endsOn < today) problems.push(`endsOn must not be before today (${today})`);
    }
    return problems;
  }

  private view(clinic: ClinicEntity, row: ExperimentRow, today: string): ExperimentView {
    return {
      id: row.id,
      name: row.name,
      status: experimentStatus(row, today),
      variants: row.variants.map((v) => ({
        key: v.key,
        ...(v.templates
          ? {
              templates: { ...v.templates },
              templateChecks: checkTemplates(v.templates, clinic.name),
            }
          : {}),
        ...(v.reminderOffsets ? { reminderOffsets: [...v.reminderOffsets] } : {}),
      })),
      weights: row.weights.map(Number),
      startsOn: row.starts_on,
      endsOn: row.ends_on,
      endedAt: row.ended_at ? row.ended_at.toISOString() : null,
      createdAt: row.created_at.toISOString(),
    };
  }
}
