/**
 * npm run bench:risk
 *
 * The risk model's own cost, in process (no database: the SQL that reads a clinic's visits is
 * not timed here): a year of BENCH_VISITS (default 1,000,000) simulated visits with known
 * effects (test/support/visit-year.ts, seeded), fitted as the refit does (a fit on the months
 * before the last, judged on the last month held out, then the fit on everything); then
 * BENCH_UPCOMING (10,000) upcoming visits scored with their reasons. Prints the time of each
 * step (wall and CPU), the process's peak resident memory after each, the fit's AUC against
 * the generator's best possible AUC on the held-out month, and the CPU.
 */
import { cpus, totalmem } from 'node:os';
import { auc } from '../src/risk/risk-metrics';
import { fitRiskModel, probability, scoreVisit } from '../src/risk/risk-model';
import { simulateVisitYear, VISIT_YEAR_ZONE } from '../test/support/visit-year';

const VISITS = Number(process.env.BENCH_VISITS ?? 1_000_000);
const UPCOMING = Number(process.env.BENCH_UPCOMING ?? 10_000);

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
/** The process's peak resident set so far (maxRSS is in kilobytes). */
const peak = () => mb(process.resourceUsage().maxRSS * 1024);

/** Wall time and this process's CPU time: on a shared machine the two differ a lot. */
function timed<T>(label: string, work: () => T): T {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    `${label.padEnd(44)} ${seconds.toFixed(2).padStart(7)} s wall ` +
      `${cpuSeconds.toFixed(2).padStart(7)} s CPU   peak RSS ${peak()}`,
  );
  return result;
}

function main(): void {
  console.log(
    `bench:risk on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ` +
      `${mb(totalmem())}), Node ${process.version}`,
  );
  // One stream: the year, then the visits booked after it (their outcomes stay unread).
  const all = timed(`simulate ${VISITS.toLocaleString('en-US')} + ${UPCOMING} visits`, () =>
    simulateVisitYear({ visits: VISITS + UPCOMING, seed: 2026 }),
  );
  const year = all.slice(0, VISITS);
  const upcoming = all.slice(VISITS);
  const facts = year.map((v) => v.facts);
  const outcomes = Uint8Array.from(year, (v) => v.noShow);
  const model = timed('fit (held-out month fit + full fit)', () =>
    fitRiskModel(facts, outcomes, VISIT_YEAR_ZONE),
  )!;
  const scores = timed(`score ${UPCOMING.toLocaleString('en-US')} upcoming with reasons`, () =>
    upcoming.map((v) => scoreVisit(model, v.facts)),
  );
  const evaluation = model.evaluation!;
  const held = year.filter((v) => v.facts.startsAt.toISOString() >= evaluation.from);
  const heldOutcomes = held.map((v) => v.noShow);
  const best = auc(
    held.map((v) => v.trueProbability),
    heldOutcomes,
  )!;
  const upcomingAuc = auc(
    upcoming.map((v) => probability(model, v.facts)),
    upcoming.map((v) => v.noShow),
  )!;
  console.log(
    `training size ${model.trainingSize.toLocaleString('en-US')}, ` +
      `${model.design.columns.length} features, no-show rate ${(model.design.clinicRate * 100).toFixed(1)}%`,
  );
  console.log(
    `held-out month: ${evaluation.visits.toLocaleString('en-US')} visits, AUC ` +
      `${evaluation.auc!.toFixed(4)} (best possible ${best.toFixed(4)}), Brier ${evaluation.brier!.toFixed(4)}`,
  );
  console.log(
    `upcoming: AUC ${upcomingAuc.toFixed(4)}; first score ${scores[0].score.toFixed(3)} (${scores[0].reasons.join('; ')})`,
  );
}

main();
