import type { DemoClient } from './demo-client';
import { addDays } from './demo-week';
import type { ResultsLike } from './experiment-table';
import type { Progress } from './progress';

/** Seeded no-show rates per variant: the demo's known answer (Hallsworth 2015 saw 11.1 -> 8.4). */
const SEEDED_RATE: Record<string, number> = { control: 0.15, cost: 0.06 };
const VISITS = 300;
/** Outcomes marked this many at a time: the demo's whole run stays within its few minutes. */
const CONCURRENT = 8;
const PER_DAY = 20;

/**
 * A finished "cost of a missed visit" experiment: started with the ready wording, 300 past
 * visits planned while it runs (so assigned), their outcomes marked by the front desk at the
 * seeded rates, then ended. Visits lie 8 or more days back, outside the week's report.
 */
export async function runExperiment(
  c: DemoClient,
  today: string,
  p: Progress,
): Promise<ResultsLike> {
  const ready = await c.get<{ items: { key: string; name: string; templates: object }[] }>(
    '/v1/experiments/ready-templates',
  );
  const cost = ready.items.find((t) => t.key === 'cost')!;
  const experiment = await c.post<{ id: string }>('/v1/experiments', {
    name: cost.name,
    variants: [{ key: 'control' }, { key: 'cost', templates: cost.templates }],
    startsOn: today,
  });
  const visits = Array.from({ length: VISITS }, (_, k) => {
    const minutes = 8 * 60 + (k % PER_DAY) * 30;
    const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    return {
      externalId: `TRIAL-${today}-${k}`,
      patient: { name: `Trial patient ${k + 1}`, phone: `+1312556${String(k).padStart(4, '0')}` },
      startsAt: `${addDays(today, -8 - Math.floor(k / PER_DAY))}T${time}:00`,
      durationMinutes: 30,
      practitioner: 'Dr. Trial',
      location: 'Main St',
      type: 'checkup',
    };
  });
  await c.post('/v1/appointments/batch', { appointments: visits });
  const assigned = await c.get<{ items: { id: string; experiment?: { variant: string } }[] }>(
    `/v1/appointments?from=${addDays(today, -8 - VISITS / PER_DAY)}&to=${addDays(today, -7)}&limit=500`,
  );
  const seen: Record<string, number> = { control: 0, cost: 0 };
  const marks = assigned.items.flatMap(({ id, experiment: variant }) => {
    if (!variant) return [];
    const key = variant.variant;
    seen[key] += 1;
    // Every 1/rate-th visit of a variant is missed: the seeded rate, evenly spread.
    const missed =
      Math.floor(seen[key] * SEEDED_RATE[key]) > Math.floor((seen[key] - 1) * SEEDED_RATE[key]);
    return [{ id, status: missed ? 'no_show' : 'arrived' }];
  });
  const next = marks.entries();
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      for (const [, mark] of next) {
        await c.patch(`/v1/appointments/${mark.id}`, { status: mark.status });
      }
    }),
  );
  await c.post(`/v1/experiments/${experiment.id}/end`);
  p.step(
    `Ran the "${cost.name}" experiment: ${VISITS} past visits assigned ${seen.control} control / ` +
      `${seen.cost} cost, outcomes seeded at ${SEEDED_RATE.control * 100}% and ` +
      `${SEEDED_RATE.cost * 100}% no-shows, then ended`,
  );
  return c.get<ResultsLike>(`/v1/experiments/${experiment.id}/results`);
}
