import { wallTimeOf, wallTimeToUtcMs } from '../common/time/starts-at';

/**
 * What is known about a visit before it happens: the features of the no-show risk model. The
 * visit's own outcome (its status after the visit) is deliberately absent; `confirmed` means
 * the patient confirmed before the start.
 */
export interface VisitFacts {
  startsAt: Date;
  /** when the appointment was booked (first known to Turnout) */
  bookedAt: Date;
  /** the patient's finished visits at this clinic before this one, and how many were no-shows */
  priorVisits: number;
  priorNoShows: number;
  type: string | null;
  practitioner: string | null;
  confirmed: boolean;
}

/** How a clinic's visits become numbers: fitted on its finished visits, kept with the model. */
export interface FeatureDesign {
  /** the clinic's no-show rate over the training visits */
  clinicRate: number;
  /** k in (noShows + k * clinicRate) / (visits + k): a short history leans on the clinic's rate */
  shrinkage: number;
  zone: string;
  types: string[];
  practitioners: string[];
  columns: string[];
  /** per column: training mean and standard deviation (1 for a column that never varies) */
  means: number[];
  sds: number[];
}

export type FeatureGroup =
  'history' | 'lead' | 'weekday' | 'time' | 'type' | 'practitioner' | 'confirmed';

export const SHRINKAGE = 5;
/** a type or practitioner with fewer training visits than this is pooled into "other" */
export const MIN_LEVEL_VISITS = 30;
const MAX_LEVELS = 20;
const DAY_MS = 86_400_000;
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** local start hour bands: [name, first hour] */
export const TIME_BANDS = [
  ['early', 0],
  ['morning', 9],
  ['midday', 12],
  ['afternoon', 14],
  ['evening', 17],
] as const;
export const OTHER = 'other';

export function groupOf(column: string): FeatureGroup {
  return column.split(/[.:]/)[0] as FeatureGroup;
}

export function shrunkRate(
  priorNoShows: number,
  priorVisits: number,
  clinicRate: number,
  k: number,
): number {
  return (priorNoShows + k * clinicRate) / (priorVisits + k);
}

export function leadDays(facts: Pick<VisitFacts, 'startsAt' | 'bookedAt'>): number {
  return Math.max(0, (facts.startsAt.getTime() - facts.bookedAt.getTime()) / DAY_MS);
}

/** Weekday (0 = Sunday) and hour of the start on the clinic's wall clock. */
export function localSlot(startsAt: Date, zone: string): { weekday: number; hour: number } {
  const wall = wallTimeOf(startsAt, zone);
  return { weekday: new Date(wallTimeToUtcMs(wall)).getUTCDay(), hour: wall.hour };
}

export function timeBand(hour: number): string {
  let band: string = TIME_BANDS[0][0];
  for (const [name, from] of TIME_BANDS) if (hour >= from) band = name;
  return band;
}

/** Levels seen at least MIN_LEVEL_VISITS times (the most frequent first, at most 20). */
function keptLevels(values: (string | null)[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .filter(([, n]) => n >= MIN_LEVEL_VISITS)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_LEVELS)
    .map(([level]) => level);
}

function columnsFor(types: string[], practitioners: string[]): string[] {
  return [
    'history.rate',
    'history.noShows',
    'history.visits',
    'lead.logDays',
    ...WEEKDAYS.map((d) => `weekday.${d}`),
    ...TIME_BANDS.map(([band]) => `time.${band}`),
    ...[...types, OTHER].map((t) => `type:${t}`),
    ...[...practitioners, OTHER].map((p) => `practitioner:${p}`),
    'confirmed',
  ];
}

/** The raw (unscaled) feature values of one visit, in `design.columns` order. */
export function rawFeatures(
  facts: VisitFacts,
  design: Omit<FeatureDesign, 'means' | 'sds' | 'columns'>,
  out: Float64Array,
): void {
  const { types, practitioners } = design;
  out.fill(0);
  out[0] = shrunkRate(facts.priorNoShows, facts.priorVisits, design.clinicRate, design.shrinkage);
  out[1] = Math.log1p(facts.priorNoShows);
  out[2] = Math.log1p(facts.priorVisits);
  out[3] = Math.log1p(leadDays(facts));
  const { weekday, hour } = localSlot(facts.startsAt, design.zone);
  out[4 + weekday] = 1;
  const band = TIME_BANDS.findIndex(([name]) => name === timeBand(hour));
  out[4 + WEEKDAYS.length + band] = 1;
  let at = 4 + WEEKDAYS.length + TIME_BANDS.length;
  const t = facts.type === null ? -1 : types.indexOf(facts.type);
  out[at + (t >= 0 ? t : types.length)] = 1;
  at += types.length + 1;
  const p = facts.practitioner === null ? -1 : practitioners.indexOf(facts.practitioner);
  out[at + (p >= 0 ? p : practitioners.length)] = 1;
  at += practitioners.length + 1;
  out[at] = facts.confirmed ? 1 : 0;
}

/**
 * Builds the design from training visits and returns their standardised matrix (row-major).
 * `noShow[i]` is visit i's outcome, used only for the clinic's rate.
 */
export function designFrom(
  visits: VisitFacts[],
  noShow: Uint8Array,
  zone: string,
): { design: FeatureDesign; x: Float64Array } {
  let noShows = 0;
  for (const y of noShow) noShows += y;
  const base = {
    clinicRate: visits.length ? noShows / visits.length : 0,
    shrinkage: SHRINKAGE,
    zone,
    types: keptLevels(visits.map((v) => v.type)),
    practitioners: keptLevels(visits.map((v) => v.practitioner)),
  };
  const columns = columnsFor(base.types, base.practitioners);
  const p = columns.length;
  const x = new Float64Array(visits.length * p);
  const row = new Float64Array(p);
  const sums = new Float64Array(p);
  const squares = new Float64Array(p);
  visits.forEach((v, i) => {
    rawFeatures(v, base, row);
    x.set(row, i * p);
    for (let j = 0; j < p; j++) {
      sums[j] += row[j];
      squares[j] += row[j] * row[j];
    }
  });
  const n = Math.max(visits.length, 1);
  const means = Array.from(sums, (s) => s / n);
  const sds = Array.from(squares, (s, j) => {
    const sd = Math.sqrt(Math.max(s / n - means[j] ** 2, 0));
    return sd > 1e-9 ? sd : 1;
  });
  for (let i = 0; i < visits.length; i++) {
    for (let j = 0; j < p; j++) x[i * p + j] = (x[i * p + j] - means[j]) / sds[j];
  }
  return { design: { ...base, columns, means, sds }, x };
}

/** One visit's standardised features under a fitted design. */
export function scaledFeatures(facts: VisitFacts, design: FeatureDesign): Float64Array {
  const row = new Float64Array(design.columns.length);
  rawFeatures(facts, design, row);
  for (let j = 0; j < row.length; j++) row[j] = (row[j] - design.means[j]) / design.sds[j];
  return row;
}
