import { fitLogistic, sigmoid } from './logistic-fit';
import {
  designFrom,
  groupOf,
  leadDays,
  localSlot,
  OTHER,
  scaledFeatures,
  timeBand,
  WEEKDAYS,
  type FeatureDesign,
  type FeatureGroup,
  type VisitFacts,
} from './risk-features';
import { auc, brierScore, reliabilityDeciles, type ReliabilityBin } from './risk-metrics';

/** Below this many finished visits a clinic gets no model and no scores. */
export const MIN_TRAINING_VISITS = 200;
/** Ridge on the standardised slopes: keeps pooled and never-seen levels finite; tiny beside n. */
const RIDGE = 1;
const HELD_OUT_DAYS = 30;

export interface RiskEvaluation {
  /** the held-out month: visits starting at or after `from` */
  from: string;
  visits: number;
  auc: number | null;
  brier: number | null;
  reliability: ReliabilityBin[];
}

export interface RiskModel {
  design: FeatureDesign;
  intercept: number;
  coefficients: number[];
  trainingSize: number;
  /** the fit on the months before, judged on the most recent month it did not see */
  evaluation: RiskEvaluation | null;
}

export type RiskBand = 'low' | 'medium' | 'high';
export interface RiskScore {
  score: number;
  band: RiskBand;
  reasons: string[];
}

export function bandOf(score: number): RiskBand {
  return score >= 0.3 ? 'high' : score >= 0.15 ? 'medium' : 'low';
}

/** The visits (with their outcomes) in time order is not required; `now` bounds nothing here. */
export function fitRiskModel(
  visits: VisitFacts[],
  noShow: Uint8Array,
  zone: string,
): RiskModel | null {
  if (visits.length < MIN_TRAINING_VISITS) return null;
  const evaluation = heldOutEvaluation(visits, noShow, zone);
  const { design, x } = designFrom(visits, noShow, zone);
  const fit = fitLogistic(x, noShow, design.columns.length, { ridge: RIDGE });
  return {
    design,
    intercept: fit.intercept,
    coefficients: fit.coefficients,
    trainingSize: visits.length,
    evaluation,
  };
}

/** Fits on everything before the most recent month and scores that month. */
function heldOutEvaluation(
  visits: VisitFacts[],
  noShow: Uint8Array,
  zone: string,
): RiskEvaluation | null {
  let latest = 0;
  for (const v of visits) latest = Math.max(latest, v.startsAt.getTime());
  const from = latest - HELD_OUT_DAYS * 86_400_000;
  const train: number[] = [];
  const test: number[] = [];
  visits.forEach((v, i) => (v.startsAt.getTime() >= from ? test : train).push(i));
  if (train.length < MIN_TRAINING_VISITS || test.length === 0) return null;
  const trainY = Uint8Array.from(train, (i) => noShow[i]);
  const { design, x } = designFrom(
    train.map((i) => visits[i]),
    trainY,
    zone,
  );
  const fit = fitLogistic(x, trainY, design.columns.length, { ridge: RIDGE });
  const model = { design, intercept: fit.intercept, coefficients: fit.coefficients };
  const predicted = Float64Array.from(test, (i) => probability(model, visits[i]));
  const outcome = Uint8Array.from(test, (i) => noShow[i]);
  return {
    from: new Date(from).toISOString(),
    visits: test.length,
    auc: auc(predicted, outcome),
    brier: brierScore(predicted, outcome),
    reliability: reliabilityDeciles(predicted, outcome),
  };
}

type Fitted = Pick<RiskModel, 'design' | 'intercept' | 'coefficients'>;

export function probability(model: Fitted, facts: VisitFacts): number {
  const z = scaledFeatures(facts, model.design);
  let eta = model.intercept;
  for (let j = 0; j < z.length; j++) eta += model.coefficients[j] * z[j];
  return sigmoid(eta);
}

/** Reasons are the groups that move this visit's log-odds most from the clinic's average visit. */
const REASON_MIN_CONTRIBUTION = 0.1;
const MAX_REASONS = 3;

export function scoreVisit(model: Fitted, facts: VisitFacts): RiskScore {
  const z = scaledFeatures(facts, model.design);
  let eta = model.intercept;
  const byGroup = new Map<FeatureGroup, number>();
  model.design.columns.forEach((column, j) => {
    const contribution = model.coefficients[j] * z[j];
    eta += contribution;
    const group = groupOf(column);
    byGroup.set(group, (byGroup.get(group) ?? 0) + contribution);
  });
  const score = sigmoid(eta);
  const reasons = [...byGroup]
    .filter(([, c]) => Math.abs(c) >= REASON_MIN_CONTRIBUTION)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, MAX_REASONS)
    .map(([group]) => reasonFor(group, facts, model.design));
  return { score, band: bandOf(score), reasons };
}

const WEEKDAY_NAMES = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];
const BAND_WORDS: Record<string, string> = {
  early: 'starts before 9:00',
  morning: 'starts between 9:00 and 12:00',
  midday: 'starts between 12:00 and 14:00',
  afternoon: 'starts between 14:00 and 17:00',
  evening: 'starts at 17:00 or later',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A group's value for this visit, in the words a receptionist reads. */
export function reasonFor(group: FeatureGroup, facts: VisitFacts, design: FeatureDesign): string {
  switch (group) {
    case 'history':
      if (facts.priorVisits === 0) return 'first visit';
      return facts.priorNoShows === 0
        ? `no no-shows in ${plural(facts.priorVisits, 'earlier visit')}`
        : `${plural(facts.priorNoShows, 'earlier no-show')} in ${plural(facts.priorVisits, 'visit')}`;
    case 'lead': {
      const days = Math.round(leadDays(facts));
      return days === 0 ? 'booked the same day' : `booked ${plural(days, 'day')} ahead`;
    }
    case 'weekday':
      return `on a ${WEEKDAY_NAMES[localSlot(facts.startsAt, design.zone).weekday]}`;
    case 'time':
      return BAND_WORDS[timeBand(localSlot(facts.startsAt, design.zone).hour)];
    case 'type':
      return facts.type !== null && design.types.includes(facts.type)
        ? `a ${facts.type} visit`
        : 'a less common visit type';
    case 'practitioner':
      return facts.practitioner !== null && design.practitioners.includes(facts.practitioner)
        ? `with ${facts.practitioner}`
        : 'with a less frequent practitioner';
    case 'confirmed':
      return facts.confirmed ? 'confirmed by the patient' : 'not confirmed yet';
  }
}

export interface CoefficientWords {
  feature: string;
  /** change in log-odds per standard deviation of the feature */
  coefficient: number;
  oddsRatio: number;
  words: string;
}

/** The model's coefficients, largest effect first, each in a sentence. */
export function coefficientsInWords(model: Fitted): CoefficientWords[] {
  return model.design.columns
    .map((column, j) => {
      const coefficient = model.coefficients[j];
      const oddsRatio = Math.exp(coefficient);
      const direction =
        Math.abs(coefficient) < 0.02 ? 'barely changes' : coefficient > 0 ? 'raises' : 'lowers';
      const label = featureLabel(column);
      return {
        feature: column,
        coefficient,
        oddsRatio,
        words: `${label} ${direction} the risk (odds x${oddsRatio.toFixed(2)} per standard deviation)`,
      };
    })
    .sort((a, b) => Math.abs(b.coefficient) - Math.abs(a.coefficient));
}

function featureLabel(column: string): string {
  const [group, level] = column.split(/[.:](.*)/s);
  switch (group) {
    case 'history':
      return {
        rate: "the patient's own no-show rate (shrunk toward the clinic's when short)",
        noShows: "the patient's earlier no-shows",
        visits: "the patient's earlier visits",
      }[level] as string;
    case 'lead':
      return 'booking further ahead';
    case 'weekday':
      return `a visit on ${WEEKDAY_NAMES[WEEKDAYS.indexOf(level as (typeof WEEKDAYS)[number])]}`;
    case 'time':
      return `a visit that ${BAND_WORDS[level]}`;
    case 'type':
      return level === OTHER ? 'a less common visit type' : `a ${level} visit`;
    case 'practitioner':
      return level === OTHER ? 'a less frequent practitioner' : `a visit with ${level}`;
    default:
      return "the patient's confirmation";
  }
}
