/**
 * npm run bench:report
 *
 * Seeds a year of one clinic (BENCH_APPOINTMENTS, default 1,000,000) with its history, reminders
 * and texts, plus other clinics' rows as noise (BENCH_NOISE per clinic, two clinics), as a bulk
 * load (support/report-seed.ts: a month per statement, triggers off, plain indexes and the rollup
 * built afterwards with the migration's own SQL), printing a line per month; then times
 * GET /v1/reports/no-shows through the running service for a month and for the year, grouped by
 * each key and not:
 * - cold: the database restarted (empty buffer cache, new backends with empty catalog caches)
 *   and the service restarted (new connections) before each single report request,
 *   BENCH_COLD_ROUNDS times per case; the service answers one GET /v1/clinic first, so that
 *   its own start-up (JIT, connection pool) is timed apart, and the report request finds only
 *   its own data cold. The operating system's file cache is dropped too when
 *   BENCH_DROP_CACHES=1 and allowed;
 * - warm: BENCH_WARM_RUNS requests per case one after another.
 * The report reads the rollup and the changes not folded into it yet: BENCH_PENDING (1,000) of
 * the clinic's appointments are changed after the load, with the triggers on, and left unfolded.
 * Prints p50/p99 per case (goal: p99 < 300 ms), the CPU, the sizes and seed time, and EXPLAIN
 * (ANALYZE, BUFFERS) of every case (also written to bench/report-plans.txt); finally checks the
 * rollup against a count from the source tables.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { NoShowReportRepository, type GroupBy } from '../src/bench-seam';
import { freshDatabase } from './support/database';
import { bulkLoad, seedYear } from './support/report-seed';
import { alterSystem, describeSettings } from './support/server-settings';
import { RunningService, startService } from './support/service';

const APPOINTMENTS = Number(process.env.BENCH_APPOINTMENTS ?? 1_000_000);
const NOISE = Number(process.env.BENCH_NOISE ?? Math.floor(APPOINTMENTS / 10));
const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 3);
const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 30);
const DROP_CACHES = process.env.BENCH_DROP_CACHES === '1';
/**
 * Changes not yet folded into the rollup when the report is read (it reads both): the clinic's
 * appointments marked no-show after the load, with the triggers on. The fold runs every couple
 * of seconds, so 1,000 is more than 200 changes a second leave behind.
 */
const PENDING = Number(process.env.BENCH_PENDING ?? 1_000);
const ADMIN = 'bench-admin-token-0123456789';
const GOAL_MS = 300;
/**
 * For the load only, on the bench's own server: a cache that holds the indexes being filled at
 * random places, and no checkpoint halfway (each would make the next write to every page log
 * the whole page). Reset, and the server restarted, before anything is timed.
 */
const LOAD_SETTINGS = { shared_buffers: '1GB', max_wal_size: '8GB' };
const YEAR = { from: '2026-01-01', to: '2027-01-01' };
const MONTH = { from: '2026-11-01', to: '2026-12-01' };
const GROUPS: GroupBy[] = ['none', 'practitioner', 'location', 'type', 'weekday', 'month'];

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

/** A line per step, on a terminal or not: the lead follows a long run in its log. */
function progress(label: string, unit: string): (done: number, total: number) => void {
  const started = performance.now();
  return (done, total) => {
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${label}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${unit}, ${seconds.toFixed(0)} s`,
    );
  };
}

/** The statement the repository runs for a case, captured without running it. */
async function statementOf(
  clinicId: string,
  range: { from: string; to: string },
  groupBy: GroupBy,
): Promise<{ sql: string; params: unknown[] }> {
  let captured: { sql: string; params: unknown[] } | null = null;
  const recorder = {
    query: (sql: string, params: unknown[]) => {
      captured = { sql, params };
      return Promise.resolve([]);
    },
  } as unknown as DataSource;
  await new NoShowReportRepository(recorder).counts(clinicId, range.from, range.to, groupBy);
  return captured!;
}

async function createClinic(service: RunningService, name: string, sender: string) {
  const res = await fetch(`${service.baseUrl}/v1/clinics`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name,
      timezone: 'America/Chicago',
      senderNumber: sender,
      provider: { type: 'fake' },
    }),
  });
  if (res.status !== 201) throw new Error(`clinic: ${res.status}`);
  return (await res.json()) as { id: string; apiKey: string };
}

function dropOsCaches(): string {
  if (!DROP_CACHES) return 'no (BENCH_DROP_CACHES=1 to try)';
  try {
    execFileSync('sh', ['-c', 'sync && echo 1 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
    return 'yes';
  } catch {
    return 'not allowed here';
  }
}

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const benchStarted = performance.now();
  console.log('building the service (nest build)...');
  execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
  const db = await freshDatabase('turnout_bench_report');
  const env = {
    DATABASE_URL: db.url,
    ADMIN_TOKEN: ADMIN,
    DISPATCH_INTERVAL_MS: '0',
    INBOX_INTERVAL_MS: '0',
  };
  let service = await startService(env);
  try {
    const clinic = await createClinic(service, 'Bench Clinic', '+13125550100');
    const noise = [
      await createClinic(service, 'Noise One', '+13125550200'),
      await createClinic(service, 'Noise Two', '+13125550300'),
    ];
    await service.stop();
    if (db.restart) await alterSystem(db.url, db.restart, LOAD_SETTINGS);
    const client = new Client({ connectionString: db.url });
    // The server restarts under the bench's feet on purpose; never crash on a dropped socket.
    client.on('error', () => undefined);
    await client.connect();
    const loadSettings = await describeSettings(client);
    console.log(
      `machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; seeding ${APPOINTMENTS.toLocaleString('en-US')} appointments + 2 x ${NOISE.toLocaleString('en-US')} noise`,
    );
    const seedStarted = performance.now();
    let phases: Record<string, number> = {};
    const built = await bulkLoad(client, async () => {
      phases = await seedYear(client, {
        clinicId: clinic.id,
        appointments: APPOINTMENTS,
        firstDay: YEAR.from,
        practitioners: Math.max(10, Math.ceil(APPOINTMENTS / 365 / 28)),
        progress: progress('seeding the clinic', 'appointments'),
      });
      for (const [i, other] of noise.entries()) {
        await seedYear(client, {
          clinicId: other.id,
          appointments: NOISE,
          firstDay: YEAR.from,
          practitioners: Math.max(10, Math.ceil(NOISE / 365 / 28)),
          progress: progress(`seeding noise clinic ${i + 1}`, 'appointments'),
        });
      }
      console.log('building the indexes dropped for the load, then the rollup...');
    });
    await client.query(
      `UPDATE appointments SET status = 'no_show' WHERE id IN (
         SELECT id FROM appointments WHERE clinic_id = $1 AND status = 'arrived' LIMIT $2)`,
      [clinic.id, PENDING],
    );
    await client.query('ANALYZE');
    await client.query('VACUUM no_show_daily');
    const seedMs = performance.now() - seedStarted;
    const sizes = (
      await client.query(
        `SELECT (SELECT count(*) FROM appointments)::int AS appointments,
                (SELECT count(*) FROM appointment_events)::int AS history,
                (SELECT count(*) FROM reminders)::int AS reminders,
                (SELECT count(*) FROM messages)::int AS messages,
                (SELECT count(*) FROM no_show_daily WHERE clinic_id = $1)::int AS rollup_rows_of_the_clinic,
                (SELECT count(*) FROM no_show_delta)::int AS changes_not_folded`,
        [clinic.id],
      )
    ).rows[0] as Record<string, number>;
    await client.end();
    if (db.restart) {
      const defaults = Object.fromEntries(Object.keys(LOAD_SETTINGS).map((name) => [name, null]));
      await alterSystem(db.url, db.restart, defaults);
    }
    const settingsClient = new Client({ connectionString: db.url });
    await settingsClient.connect();
    const settings = await describeSettings(settingsClient);
    await settingsClient.end();
    service = await startService(env);
    console.log(
      `seeded in ${(seedMs / 1000).toFixed(0)} s${db.restart ? ` (loaded with ${loadSettings}; reset since)` : ''}: ${JSON.stringify(sizes)}`,
    );
    console.log(
      `seeding the clinic, ms per statement kind: ${JSON.stringify(phases)}; then for all clinics: indexes ${built.indexes} ms, rollup ${built.rollup} ms`,
    );

    const cases = [MONTH, YEAR].flatMap((range) =>
      GROUPS.map((groupBy) => ({
        range,
        groupBy,
        name: `${range === YEAR ? 'year' : 'month'} ${groupBy}`,
      })),
    );
    const get = async (c: (typeof cases)[number]) => {
      const t0 = performance.now();
      const res = await fetch(
        `${service.baseUrl}/v1/reports/no-shows?from=${c.range.from}&to=${c.range.to}&groupBy=${c.groupBy}`,
        { headers: { Authorization: `Bearer ${clinic.apiKey}` } },
      );
      const body = (await res.json()) as { totals: { appointments: number } };
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`${c.name}: ${res.status}`);
      return { ms, appointments: body.totals.appointments };
    };

    const cold = new Map<string, number[]>();
    const firstRequests: number[] = [];
    let osCaches = '';
    const coldTotal = cases.length * COLD_ROUNDS;
    const showCold = progress('cold runs (database and service restarted before each)', 'requests');
    for (let round = 0; round < COLD_ROUNDS; round++) {
      for (const c of cases) {
        await service.stop();
        if (db.restart) await db.restart();
        osCaches = dropOsCaches();
        service = await startService(env);
        const first = performance.now();
        const warmUp = await fetch(`${service.baseUrl}/v1/clinic`, {
          headers: { Authorization: `Bearer ${clinic.apiKey}` },
        });
        await warmUp.arrayBuffer();
        firstRequests.push(performance.now() - first);
        const { ms } = await get(c);
        cold.set(c.name, [...(cold.get(c.name) ?? []), ms]);
      }
      showCold((round + 1) * cases.length, coldTotal);
    }
    const warm = new Map<string, { times: number[]; appointments: number }>();
    for (const c of cases) {
      await get(c);
      const times: number[] = [];
      let appointments = 0;
      for (let i = 0; i < WARM_RUNS; i++) {
        const r = await get(c);
        times.push(r.ms);
        appointments = r.appointments;
      }
      warm.set(c.name, { times, appointments });
    }

    const plans: string[] = [];
    const check = new Client({ connectionString: db.url });
    check.on('error', () => undefined);
    await check.connect();
    for (const c of cases) {
      const { sql, params } = await statementOf(clinic.id, c.range, c.groupBy);
      const plan = await check.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      plans.push(
        `--- ${c.name} (${c.range.from} to ${c.range.to})\n${plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')}`,
      );
    }
    // The rollup against a count from the source tables, for the year.
    const raw = new NoShowReportRepository({
      query: (sql: string, params: unknown[]) => check.query(sql, params).then((r) => r.rows),
    } as unknown as DataSource);
    const checkStarted = performance.now();
    const [fromRollup, fromSource] = [
      await raw.counts(clinic.id, YEAR.from, YEAR.to, 'practitioner'),
      await raw.countsFromSource(clinic.id, YEAR.from, YEAR.to, 'practitioner'),
    ];
    const sourceMs = performance.now() - checkStarted;
    const canon = (rows: unknown[]) =>
      rows
        .map((r) => JSON.stringify(r))
        .sort()
        .join('\n');
    // Two empty answers would agree too: the year must hold appointments to compare.
    const same = fromSource.length > 0 && canon(fromRollup) === canon(fromSource);
    await check.end();

    console.log('');
    console.log(
      `machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
    );
    console.log(`database: ${db.description}; ${settings}`);
    console.log(
      `cold = ${db.restart ? 'PostgreSQL restarted' : 'PostgreSQL NOT restarted (external server)'} + service restarted before each report request, after one GET /v1/clinic; OS file cache dropped: ${osCaches}`,
    );
    console.log(
      `that first GET /v1/clinic after a restart (the service's own start-up, not in the table): p50 ${pct(firstRequests, 50).toFixed(0)} ms, p99 ${pct(firstRequests, 99).toFixed(0)} ms`,
    );
    console.log(
      `appointments of the clinic: ${APPOINTMENTS.toLocaleString('en-US')}; noise: 2 x ${NOISE.toLocaleString('en-US')}; seeded in ${(seedMs / 1000).toFixed(0)} s (how: bench/support/report-seed.ts, README)`,
    );
    console.log('');
    console.log('case                      appts     cold p50  cold p99  warm p50  warm p99');
    let allMet = true;
    for (const c of cases) {
      const cs = cold.get(c.name)!;
      const w = warm.get(c.name)!;
      const worst = Math.max(pct(cs, 99), pct(w.times, 99));
      if (worst >= GOAL_MS) allMet = false;
      console.log(
        `${c.name.padEnd(24)} ${String(w.appointments).padStart(8)} ${pct(cs, 50).toFixed(1).padStart(9)} ${pct(cs, 99).toFixed(1).padStart(9)} ${pct(w.times, 50).toFixed(1).padStart(9)} ${pct(w.times, 99).toFixed(1).padStart(9)}`,
      );
    }
    console.log(
      `(ms; cold: ${COLD_ROUNDS} requests per case, so its p99 is the slowest; warm: ${WARM_RUNS} per case)`,
    );
    console.log(`goal p99 < ${GOAL_MS} ms in every case: ${allMet ? 'met' : 'NOT met'}`);
    console.log(
      `baseline, the same year by practitioner counted from the source tables (what the rollup saves): ${sourceMs.toFixed(0)} ms; rollup equals it: ${same ? 'yes' : 'NO'} (${fromSource.length} groups)`,
    );
    const planFile = join(root, 'bench', 'report-plans.txt');
    writeFileSync(planFile, plans.join('\n\n') + '\n');
    console.log('');
    console.log(plans.join('\n\n'));
    console.log(`(plans also written to ${planFile})`);
    console.log(`whole bench: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
    if (!same) process.exitCode = 1;
  } finally {
    await service.stop();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
