import type { VisitFacts } from '../../src/risk/risk-features';
import { wallTimeToInstant } from '../../src/common/time/starts-at';

/**
 * A clinic's year of visits with known effects on no-shows, for proving the risk model (the
 * unit spec) and timing it (bench:risk). Each visit's chance of a no-show is
 * `sigmoid(TRUE_EFFECTS...)` of what is known before it, plus a wording effect (half the
 * patients get the "cost of a missed visit" text) that the model is not told about; so the AUC
 * of the true probabilities is the best any model of those features could reach.
 */
export interface SimulatedVisit {
  facts: VisitFacts;
  noShow: 0 | 1;
  trueProbability: number;
  patient: number;
  variant: 'control' | 'cost';
}

export const VISIT_YEAR_ZONE = 'America/Chicago';

/** The generator's truth, on the log-odds scale. */
export const TRUE_EFFECTS = {
  intercept: -2.9,
  /** per earlier no-show, up to three */
  priorNoShow: 0.75,
  /** per earlier attended visit, up to five */
  priorAttended: -0.08,
  /** per unit of ln(1 + days booked ahead) */
  logLeadDays: 0.35,
  weekday: [0, 0.2, 0, 0, 0.05, 0.3, 0.4] as const, // Sunday..Saturday
  early: 0.2, // before 9:00 local
  evening: 0.3, // 17:00 or later
  type: { cleaning: 0, checkup: 0.15, filling: -0.2, whitening: 0.4 } as Record<string, number>,
  practitioner: { 'Dr. Kim': 0, 'Dr. Lee': 0.1, 'Dr. Ruiz': -0.1, 'Dr. Shah': 0.25 } as Record<
    string,
    number
  >,
  confirmed: -1.0,
  /** the wording of a missed visit's cost: NHS 11.1% -> 8.4% is about -0.31 */
  costWording: -0.31,
};

const TYPES = ['cleaning', 'cleaning', 'checkup', 'checkup', 'filling', 'whitening'];
const PRACTITIONERS = ['Dr. Kim', 'Dr. Kim', 'Dr. Lee', 'Dr. Ruiz', 'Dr. Shah'];

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `visits` visits starting over 365 days from `from` (a local date), in start order, by about
 * visits / 4 patients (a few come often, most once or twice).
 */
export function simulateVisitYear(options: {
  visits: number;
  seed: number;
  from?: string;
}): SimulatedVisit[] {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const [y, m, d] = (options.from ?? '2025-12-01').split('-').map(Number);
  const patients = Math.max(1, Math.floor(options.visits / 4));
  const drafts: { startsAt: Date; patient: number; hour: number; weekday: number }[] = [];
  for (let i = 0; i < options.visits; i++) {
    let date: Date;
    do date = new Date(Date.UTC(y, m - 1, d + Math.floor(random() * 365)));
    while (date.getUTCDay() === 0); // closed on Sundays
    const weekday = date.getUTCDay();
    const hour = 7 + Math.floor(random() * 12);
    const minute = random() < 0.5 ? 0 : 30;
    const startsAt = wallTimeToInstant(
      {
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour,
        minute,
        second: 0,
        millisecond: 0,
      },
      VISIT_YEAR_ZONE,
    );
    // A skewed draw: low patient numbers come back often.
    const patient = Math.floor(patients * random() ** 2);
    drafts.push({ startsAt, patient, hour, weekday });
  }
  drafts.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  const history = new Map<number, { visits: number; noShows: number }>();
  return drafts.map(({ startsAt, patient, hour, weekday }) => {
    const past = history.get(patient) ?? { visits: 0, noShows: 0 };
    const lead = random() < 0.3 ? random() * 3 : -Math.log(1 - random()) * 25;
    const type = pick(TYPES);
    const practitioner = pick(PRACTITIONERS);
    const confirmed = random() < 0.55;
    const variant = patient % 2 === 0 ? 'control' : 'cost';
    const e = TRUE_EFFECTS;
    const eta =
      e.intercept +
      e.priorNoShow * Math.min(past.noShows, 3) +
      e.priorAttended * Math.min(past.visits - past.noShows, 5) +
      e.logLeadDays * Math.log1p(lead) +
      e.weekday[weekday] +
      (hour < 9 ? e.early : hour >= 17 ? e.evening : 0) +
      e.type[type] +
      e.practitioner[practitioner] +
      (confirmed ? e.confirmed : 0) +
      (variant === 'cost' ? e.costWording : 0);
    const trueProbability = 1 / (1 + Math.exp(-eta));
    const noShow = random() < trueProbability ? 1 : 0;
    history.set(patient, { visits: past.visits + 1, noShows: past.noShows + noShow });
    return {
      facts: {
        startsAt,
        bookedAt: new Date(startsAt.getTime() - lead * 86_400_000),
        priorVisits: past.visits,
        priorNoShows: past.noShows,
        type,
        practitioner,
        confirmed,
      },
      noShow,
      trueProbability,
      patient,
      variant,
    };
  });
}
