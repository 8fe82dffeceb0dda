/**
 * npm run bench:dispatch
 *
 * A fresh database (embedded PostgreSQL, or a new database on DATABASE_URL) holding 1,000,000
 * future reminders and 100,000 that the run makes due. The outbound pipeline runs as the
 * service runs it (AppModule, its due-work loop woken by LISTEN/NOTIFY, DISPATCH_* settings from
 * the environment) and sends to the in-process `fake` provider: claim under a lease, re-check,
 * render, message row, rate-cap slot (50 senders at 1,000/s each, so the cap never binds),
 * provider call, outcome. Making reminders due notifies the pipeline, as a producer does.
 *
 *   burst:   all 100,000 due at once: the sending rate, sent/s.
 *   paced:   the same 100,000 due 1,000 a second over 100 s: lateness, sent time minus due time;
 *            then the process's CPU while nothing is due (no busy polling).
 *   answers: HELP webhooks from new numbers, 20 a second: acknowledged -> answer handed over.
 *   pg-boss: the same 100,000 due at once as pg-boss jobs, its workers doing the same work.
 *   graphile-worker: the same again as graphile-worker jobs, at its fastest honest setting.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  AppModule,
  loadConfig,
  dataSourceOptions,
  runMigrations,
  ProviderRegistry,
  Metrics,
  FakeProvider,
  type OutboundSms,
  type ProviderCredentials,
  type SendResult,
} from '../src/bench-seam';
import { freshDatabase } from './support/database';
import { loadStatementStats, printStatementsPer } from './support/statement-stats';
import { costPer, meter as serverMeter, serverCost, type Meter } from './support/server-cost';
import { describeSettings } from './support/server-settings';
import {
  countSent,
  dueStats,
  announceDue,
  latenessBySecond,
  makeDue,
  park,
  seed,
  settle,
  type DueStats,
} from './support/dispatch-fixtures';
import { measureAnswerLatency, type AnswerLatency } from './support/answer-latency';
import { runGraphileWorker, type GraphileRun } from './support/graphile-baseline';
import { runPgBoss } from './support/pgboss-baseline';

const CLINICS = 50;
// The workload; smaller values are for working on the bench itself.
const FUTURE = Number(process.env.BENCH_FUTURE ?? 1_000_000);
const DUE = Number(process.env.BENCH_DUE ?? 100_000);
const PACED_PER_SECOND = 1_000;
const PGBOSS_WORKERS = Number(process.env.BENCH_PGBOSS_WORKERS ?? 4);
const PGBOSS_BATCH = Number(process.env.BENCH_PGBOSS_BATCH ?? 200);
const GW_CONCURRENCY = Number(process.env.BENCH_GW_CONCURRENCY ?? 400);
const GW_LOCAL_QUEUE = Number(process.env.BENCH_GW_LOCAL_QUEUE ?? 800);
const GW_COALESCE = Number(process.env.BENCH_GW_COALESCE ?? 200);
const ANSWERS = Number(process.env.BENCH_ANSWERS ?? 1_000);
const ANSWERS_PER_SECOND = 20;
const IDLE_SECONDS = 3;
/**
 * The phases to run, e.g. BENCH_PHASES=burst,graphile for the burst ratio alone; all by default.
 * With some left out, the run ends with each phase's own lines instead of the table.
 */
const ALL_PHASES = ['burst', 'paced', 'answers', 'pgboss', 'graphile'] as const;
const PHASES = new Set((process.env.BENCH_PHASES ?? ALL_PHASES.join(',')).split(','));
/** BENCH_STATEMENTS=1: load pg_stat_statements (embedded only), print statements per reminder. */
const STATEMENTS = process.env.BENCH_STATEMENTS === '1';

/**
 * The fake provider, counting what it is handed (each reminder must reach it exactly once),
 * and telling when a given number was first texted.
 */
class CountingProvider extends FakeProvider {
  calls = 0;
  lastCallAt = 0;
  private readonly firstTo = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();

  override send(credentials: ProviderCredentials, message: OutboundSms): Promise<SendResult> {
    this.calls += 1;
    this.lastCallAt = performance.now();
    if (message.to.startsWith('+1773') && !this.firstTo.has(message.to)) {
      this.firstTo.set(message.to, this.lastCallAt);
      this.waiters.get(message.to)?.(this.lastCallAt);
    }
    return super.send(credentials, message);
  }

  /** Resolves when `to` is first texted (only answers to the +1773 numbers are tracked). */
  handedOver(to: string): Promise<number> {
    const at = this.firstTo.get(to);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => this.waiters.set(to, resolve));
  }
}

/** Peak resident memory of this process while `work` runs, sampled every 50 ms. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMiB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const result = await work();
    return { result, peakMiB: Math.max(peak, process.memoryUsage().rss) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function waitForAllSent(client: Client, provider: CountingProvider, from: number) {
  const deadline = performance.now() + 15 * 60_000;
  while (provider.calls - from < DUE || (await countSent(client)) < DUE) {
    if (performance.now() > deadline)
      throw new Error('the due reminders were not all sent in 15 min');
    await sleep(200);
  }
}

/** The dispatcher's own count of outcomes (its /metrics counter), e.g. "sent 100000". */
async function outcomes(metrics: Metrics): Promise<string> {
  const metric = await metrics.registry.getSingleMetric('turnout_reminders_total')?.get();
  const counts = (metric?.values ?? [])
    .filter((v) => v.value > 0)
    .map((v) => `${String(v.labels.outcome)} ${v.value}`);
  return `dispatcher outcomes so far: ${counts.join(', ')}`;
}

const ms = (n: number) => `${Math.round(n)} ms`;

/** serverMeter, and with BENCH_STATEMENTS the statements the metered work ran. */
function meter(client: Client): Meter {
  const inner = serverMeter(client);
  return {
    async start() {
      await inner.start();
      if (STATEMENTS) await client.query('SELECT pg_stat_statements_reset()');
    },
    async stop(units, what) {
      const line = await inner.stop(units, what);
      if (STATEMENTS) await printStatementsPer(client, units, what);
      return line;
    },
  };
}

/**
 * A baseline's phase: the due set parked and the database settled, then made due at once and
 * handed to `run` as jobs; its cost per job printed under `label`.
 */
async function baselinePhase<R extends { cost: string | null }>(
  client: Client,
  label: string,
  run: (due: { id: string; dueAt: Date }[]) => Promise<R>,
) {
  await park(client);
  await settle(client);
  return peakRss(async () => {
    await makeDue(client, Date.now(), Infinity);
    const due = (
      await client.query(`SELECT id, due_at FROM reminders r JOIN bench_due USING (id)`)
    ).rows.map((r: { id: string; due_at: Date }) => ({ id: r.id, dueAt: r.due_at }));
    const result = await run(due);
    console.log(`${label}: ${result.cost}`);
    return { run: result, stats: await dueStats(client) };
  });
}

/** Runs a phase of the bench if BENCH_PHASES names it. */
async function phase<T>(name: (typeof ALL_PHASES)[number], run: () => Promise<T>) {
  return PHASES.has(name) ? run() : null;
}
const rate = (n: number, seconds: number) => Math.round(n / seconds);

function check(label: string, ok: boolean): string {
  return `${ok ? 'met    ' : 'MISSED '} ${label}`;
}

async function main(): Promise<void> {
  const db = await freshDatabase('turnout_dispatch_bench');
  const client = new Client({ connectionString: db.url });
  const ds = new DataSource(dataSourceOptions(db.url));
  try {
    if (STATEMENTS) await loadStatementStats(db);
    await ds.initialize();
    await runMigrations(ds);
    await client.connect();
    console.log(`database: ${db.description}; ${await describeSettings(client)}`);
    console.log(
      `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    );

    let t = performance.now();
    await seed(client, { clinics: CLINICS, future: FUTURE, due: DUE });
    const setupS = (performance.now() - t) / 1000;
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM reminders`);
    console.log(
      `setup: ${rows[0].n} reminders (${FUTURE} future, ${DUE} to make due) in ${setupS.toFixed(1)} s`,
    );

    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      ADMIN_TOKEN: 'bench-admin-token-0123456789',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    };
    const config = loadConfig(env);
    const provider = new CountingProvider();
    const app = await NestFactory.createApplicationContext(
      AppModule.forRoot({ ...config, databaseUrl: db.url }),
      { logger: false },
    );
    app.get(ProviderRegistry).replace('fake', provider);
    console.log(
      `pipeline: safety poll ${config.dispatchIntervalMs} ms, batch ${config.dispatchBatchSize}, ` +
        `${config.dispatchConcurrency} sends in flight, ${CLINICS} senders at 1,000/s`,
    );

    // Burst: everything due now; the clock runs from the moment the rows are due.
    const burst = await phase('burst', () =>
      peakRss(async () => {
        const dueAt = Date.now();
        await makeDue(client, dueAt, Infinity);
        const cost = meter(client);
        await cost.start();
        await announceDue(client, dueAt);
        const start = performance.now();
        const cpu = process.cpuUsage();
        await waitForAllSent(client, provider, 0);
        const used = process.cpuUsage(cpu);
        const wall = performance.now() - start;
        console.log(`burst: ${await cost.stop(DUE, 'reminder')}`);
        console.log(
          `burst: this process used ${Math.round(((used.user + used.system) / 1000 / wall) * 100)}% of a core`,
        );
        return { seconds: (provider.lastCallAt - start) / 1000, stats: await dueStats(client) };
      }),
    );
    console.log(await outcomes(app.get(Metrics)));

    // Paced: 1,000 a second from two seconds from now.
    // Making the rows due is one UPDATE of the whole set, which takes about as long as parking
    // them did: the first due time must come after it commits, or the first seconds' rows are
    // late before the pipeline can see them (measured: 1.2 s at 100,000 rows).
    const paced = await phase('paced', async () => {
      const parkStarted = performance.now();
      await park(client);
      const parkMs = performance.now() - parkStarted;
      await settle(client);
      return peakRss(async () => {
        const calls = provider.calls;
        const leadMs = Math.max(2_000, Math.ceil(2 * parkMs) + 1_000);
        const firstDue = Date.now() + leadMs;
        await makeDue(client, firstDue, PACED_PER_SECOND);
        const margin = firstDue - Date.now();
        console.log(
          `paced: ${DUE} rows made due in one update, committed ${margin} ms before the first is due`,
        );
        await announceDue(client, firstDue);
        t = performance.now() + margin;
        const cpu = process.cpuUsage();
        const server = await serverCost(client);
        await waitForAllSent(client, provider, calls);
        const busy = process.cpuUsage(cpu);
        console.log(
          `paced: service CPU ${((busy.user + busy.system) / 1000 / DUE).toFixed(3)} ms per reminder; ` +
            costPer(server, await serverCost(client), DUE, 'reminder'),
        );
        const seconds = (provider.lastCallAt - t) / 1000;
        // Nothing is due now (the future reminders are days away): the loop should sleep.
        await sleep(500);
        const idleFrom = process.cpuUsage();
        await sleep(IDLE_SECONDS * 1000);
        const idle = process.cpuUsage(idleFrom);
        const share = (u: NodeJS.CpuUsage, s: number) => (u.user + u.system) / 1e6 / s;
        const bySecond = await latenessBySecond(client);
        const worst = [...bySecond].sort((a, b) => b.maxMs - a.maxMs).slice(0, 5);
        const show = (s: (typeof bySecond)[number]) =>
          `${s.second}s: ${s.n} due, p50 ${Math.round(s.p50Ms)} ms, max ${Math.round(s.maxMs)} ms`;
        console.log(`paced, first seconds: ${bySecond.slice(0, 3).map(show).join('; ')}`);
        console.log(`paced, worst seconds: ${worst.map(show).join('; ')}`);
        console.log(
          `paced: idle afterwards ${(share(idle, IDLE_SECONDS) * 100).toFixed(1)}% of a core ` +
            `(${IDLE_SECONDS} s with nothing due)`,
        );
        return {
          seconds,
          stats: await dueStats(client),
          cpuShare: share(busy, seconds + margin / 1000),
          idleCpuShare: share(idle, IDLE_SECONDS),
        };
      });
    });
    console.log(await outcomes(app.get(Metrics)));
    const handedOver = provider.calls;

    // Answers: webhooks acknowledged -> the answer handed to the provider, senders free.
    const answers = await phase('answers', () =>
      measureAnswerLatency(app, client, (to) => provider.handedOver(to), {
        answers: ANSWERS,
        perSecond: ANSWERS_PER_SECOND,
      }),
    );
    await app.close();

    // pg-boss, then graphile-worker: the same jobs, due at once, on the same database.
    const boss = await phase('pgboss', () =>
      baselinePhase(client, 'pg-boss', (due) =>
        runPgBoss({
          url: db.url,
          ds,
          provider: new FakeProvider(),
          due,
          workers: PGBOSS_WORKERS,
          batchSize: PGBOSS_BATCH,
          meter: meter(client),
        }),
      ),
    );
    const graphile = await phase('graphile', () =>
      baselinePhase(client, 'graphile-worker', (due) =>
        runGraphileWorker({
          url: db.url,
          ds,
          provider: new FakeProvider(),
          due,
          concurrency: GW_CONCURRENCY,
          localQueue: GW_LOCAL_QUEUE,
          coalesce: GW_COALESCE,
          meter: meter(client),
        }),
      ),
    );

    if (!burst || !paced || !answers || !boss || !graphile) {
      // Some phases left out: each phase's rate, and the burst's ratio to what ran beside it.
      const burstRate = burst ? rate(burst.result.stats.sent, burst.result.seconds) : null;
      for (const [label, run] of [
        ['pg-boss', boss?.result.run],
        ['graphile-worker', graphile?.result.run],
      ] as const) {
        if (!run) continue;
        const baseline = rate(run.jobs, run.seconds);
        console.log(
          `${label}: ${baseline}/s` +
            (burstRate
              ? `; Turnout burst ${burstRate}/s, ${(burstRate / baseline).toFixed(2)}x`
              : ''),
        );
      }
      if (burstRate && !boss && !graphile) console.log(`Turnout burst: ${burstRate}/s`);
      if (paced) console.log(`paced: lateness p99 ${ms(paced.result.stats.p99Ms)}`);
      if (answers) console.log(`answers: p99 ${ms(answers.p99Ms)}`);
      return;
    }

    report({
      burst: { ...burst.result, peakMiB: burst.peakMiB },
      paced: { ...paced.result, peakMiB: paced.peakMiB },
      boss: { ...boss.result, peakMiB: boss.peakMiB },
      graphile: { ...graphile.result, peakMiB: graphile.peakMiB },
      answers,
      handedOver,
    });
  } finally {
    await client.end().catch(() => undefined);
    if (ds.isInitialized) await ds.destroy();
    await db.stop();
  }
}

function report(r: {
  burst: { seconds: number; stats: DueStats; peakMiB: number };
  paced: {
    seconds: number;
    stats: DueStats;
    peakMiB: number;
    cpuShare: number;
    idleCpuShare: number;
  };
  boss: { run: { jobs: number; seconds: number }; stats: DueStats; peakMiB: number };
  graphile: { run: GraphileRun; stats: DueStats; peakMiB: number };
  answers: AnswerLatency;
  handedOver: number;
}): void {
  const burstRate = rate(r.burst.stats.sent, r.burst.seconds);
  const pacedRate = rate(r.paced.stats.sent, r.paced.seconds);
  const bossRate = rate(r.boss.run.jobs, r.boss.run.seconds);
  const graphileRate = rate(r.graphile.run.jobs, r.graphile.run.seconds);
  const fastest = Math.max(bossRate, graphileRate);
  const line = (cells: string[]) =>
    console.log(cells.map((c, i) => (i === 0 ? c.padEnd(36) : c.padStart(10))).join(''));
  console.log('');
  line(['', 'sent', 'sent/s', 'p50', 'p99', 'max', 'peak RSS']);
  for (const [label, row, perSecond] of [
    ['Turnout, 100k due at once', r.burst, burstRate],
    ['Turnout, 1,000 due per second', r.paced, pacedRate],
    ['pg-boss, 100k due at once', r.boss, bossRate],
    ['graphile-worker, 100k due at once', r.graphile, graphileRate],
  ] as const) {
    line([
      label,
      String(row.stats.sent),
      String(perSecond),
      ms(row.stats.p50Ms),
      ms(row.stats.p99Ms),
      ms(row.stats.maxMs),
      `${Math.round(row.peakMiB)} MiB`,
    ]);
  }
  line([
    'answers: webhook acked -> provider',
    String(r.answers.answers),
    String(ANSWERS_PER_SECOND),
    ms(r.answers.p50Ms),
    ms(r.answers.p99Ms),
    ms(r.answers.maxMs),
    '',
  ]);
  console.log('');
  console.log('sent/s: reminders handed to the provider per second of the phase (in the burst,');
  console.log(
    '  from the moment all were due to the last one handed over). Lateness: sent_at - due_at',
  );
  console.log(
    '  per reminder; in the burst it is mostly queueing (the last of 100k waits its turn).',
  );
  console.log(
    `paced: this process used ${pct(r.paced.cpuShare)} of a core while 1,000/s were due, ` +
      `${pct(r.paced.idleCpuShare)} over ${IDLE_SECONDS} s with nothing due.`,
  );
  console.log(
    `pg-boss: fetch/complete by ${PGBOSS_WORKERS} workers x ${PGBOSS_BATCH} jobs back to back.`,
  );
  console.log(
    `graphile-worker: addJobs in bulk, ${r.graphile.run.concurrency} concurrent jobs, local ` +
      `queue ${r.graphile.run.localQueue}, completions batched, handler SQL coalesced up to ` +
      `${r.graphile.run.coalesce} ids a statement.`,
  );
  console.log(
    '  Both baselines: the same take-under-lease, re-check, render, message row, provider call',
  );
  console.log(
    '  and outcome write per job as Turnout, but no rate-cap slots. Peak RSS: this process.',
  );
  console.log(
    `exactly once: ${r.handedOver} provider calls for ${2 * DUE} due reminders over the two phases`,
  );
  console.log('');
  console.log(`ratio Turnout / pg-boss: ${(burstRate / bossRate).toFixed(2)}x`);
  console.log(`ratio Turnout / graphile-worker: ${(burstRate / graphileRate).toFixed(2)}x`);
  console.log(
    check(
      `>= 1.0x the faster baseline (${(burstRate / fastest).toFixed(2)}x)`,
      burstRate >= fastest,
    ),
  );
  console.log(
    check(
      `p99 lateness < 50 ms at 1,000 due/s (${ms(r.paced.stats.p99Ms)})`,
      r.paced.stats.p99Ms < 50,
    ),
  );
  console.log(
    check(
      `idle between bursts: < 1% of a core (${pct(r.paced.idleCpuShare)})`,
      r.paced.idleCpuShare < 0.01,
    ),
  );
  console.log(
    check(
      `webhook acked -> answer handed over p99 < 150 ms (${ms(r.answers.p99Ms)})`,
      r.answers.p99Ms < 150,
    ),
  );
  console.log(
    check(
      `every reminder handed over exactly once (${r.handedOver} / ${2 * DUE})`,
      r.handedOver === 2 * DUE,
    ),
  );
  // A rate goal missed is a figure; a reminder sent twice or never is a failed run.
  if (r.handedOver !== 2 * DUE) process.exitCode = 1;
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
