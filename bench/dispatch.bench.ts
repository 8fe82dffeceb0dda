/**
 * npm run bench:dispatch
 *
 * A fresh database (embedded PostgreSQL, or a new database on DATABASE_URL) holding 1,000,000
 * future reminders and 100,000 that the run makes due. The dispatcher runs as the service runs
 * it (AppModule, its interval scheduler, DISPATCH_* settings from the environment) and sends to
 * the in-process `fake` provider: claim under a lease, re-check, render, message row, rate-cap
 * slot (50 senders at 1,000/s each, so the cap never binds), provider call, outcome.
 *
 *   burst:  all 100,000 due at once: the sending rate, sent/s.
 *   paced:  the same 100,000 due 1,000 a second over 100 s: lateness, sent time minus due time.
 *   pg-boss: the same 100,000 due at once as pg-boss jobs, its workers doing the same work.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/migrations';
import { ProviderRegistry } from '../src/messaging/provider-registry';
import { Metrics } from '../src/metrics/metrics';
import { FakeProvider } from '../src/messaging/providers/fake.provider';
import type {
  OutboundSms,
  ProviderCredentials,
  SendResult,
} from '../src/messaging/providers/sms-provider.port';
import { freshDatabase } from './support/database';
import { describeSettings } from './support/server-settings';
import {
  countSent,
  dueStats,
  makeDue,
  park,
  seed,
  settle,
  type DueStats,
} from './support/dispatch-fixtures';
import { runPgBoss } from './support/pgboss-baseline';

const CLINICS = 50;
// The workload; smaller values are for working on the bench itself.
const FUTURE = Number(process.env.BENCH_FUTURE ?? 1_000_000);
const DUE = Number(process.env.BENCH_DUE ?? 100_000);
const PACED_PER_SECOND = 1_000;
const PGBOSS_WORKERS = Number(process.env.BENCH_PGBOSS_WORKERS ?? 4);
const PGBOSS_BATCH = Number(process.env.BENCH_PGBOSS_BATCH ?? 200);

/** The fake provider, counting what it is handed: each reminder must reach it exactly once. */
class CountingProvider extends FakeProvider {
  calls = 0;
  lastCallAt = 0;

  override send(credentials: ProviderCredentials, message: OutboundSms): Promise<SendResult> {
    this.calls += 1;
    this.lastCallAt = performance.now();
    return super.send(credentials, message);
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
const rate = (n: number, seconds: number) => Math.round(n / seconds);

function check(label: string, ok: boolean): string {
  return `${ok ? 'met    ' : 'MISSED '} ${label}`;
}

async function main(): Promise<void> {
  const db = await freshDatabase('turnout_dispatch_bench');
  const client = new Client({ connectionString: db.url });
  const ds = new DataSource(dataSourceOptions(db.url));
  try {
    await ds.initialize();
    await runMigrations(ds);
    await client.connect();
    console.log(`database: ${db.description}; ${await describeSettings(client)}`);
    console.log(
      `machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
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
      `dispatcher: interval ${config.dispatchIntervalMs} ms, batch ${config.dispatchBatchSize}, ` +
        `${config.dispatchConcurrency} sends in flight, ${CLINICS} senders at 1,000/s`,
    );

    // Burst: everything due now; the clock runs from the moment the rows are due.
    const burst = await peakRss(async () => {
      await makeDue(client, Date.now(), Infinity);
      const start = performance.now();
      const cpu = process.cpuUsage();
      await waitForAllSent(client, provider, 0);
      const used = process.cpuUsage(cpu);
      const wall = performance.now() - start;
      console.log(
        `burst: this process used ${Math.round(((used.user + used.system) / 1000 / wall) * 100)}% of a core`,
      );
      return { seconds: (provider.lastCallAt - start) / 1000, stats: await dueStats(client) };
    });
    console.log(await outcomes(app.get(Metrics)));

    // Paced: 1,000 a second from two seconds from now.
    await park(client);
    await settle(client);
    const paced = await peakRss(async () => {
      const calls = provider.calls;
      await makeDue(client, Date.now() + 2_000, PACED_PER_SECOND);
      t = performance.now();
      await waitForAllSent(client, provider, calls);
      return { seconds: (provider.lastCallAt - t) / 1000 - 2, stats: await dueStats(client) };
    });
    console.log(await outcomes(app.get(Metrics)));
    const handedOver = provider.calls;
    await app.close();

    // pg-boss: the same jobs, due at once, on the same database.
    await park(client);
    await settle(client);
    const boss = await peakRss(async () => {
      const now = Date.now();
      await makeDue(client, now, Infinity);
      const due = (
        await client.query(`SELECT id, due_at FROM reminders r JOIN bench_due USING (id)`)
      ).rows.map((r: { id: string; due_at: Date }) => ({ id: r.id, dueAt: r.due_at }));
      const run = await runPgBoss({
        url: db.url,
        ds,
        provider: new FakeProvider(),
        due,
        workers: PGBOSS_WORKERS,
        batchSize: PGBOSS_BATCH,
      });
      return { run, stats: await dueStats(client) };
    });

    report({
      burst: { ...burst.result, peakMiB: burst.peakMiB },
      paced: { ...paced.result, peakMiB: paced.peakMiB },
      boss: { ...boss.result, peakMiB: boss.peakMiB },
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
  paced: { seconds: number; stats: DueStats; peakMiB: number };
  boss: { run: { jobs: number; seconds: number }; stats: DueStats; peakMiB: number };
  handedOver: number;
}): void {
  const burstRate = rate(r.burst.stats.sent, r.burst.seconds);
  const pacedRate = rate(r.paced.stats.sent, r.paced.seconds);
  const bossRate = rate(r.boss.run.jobs, r.boss.run.seconds);
  const ratio = burstRate / bossRate;
  const line = (cells: string[]) =>
    console.log(cells.map((c, i) => (i === 0 ? c.padEnd(34) : c.padStart(10))).join(''));
  console.log('');
  line(['', 'sent', 'sent/s', 'p50', 'p99', 'max', 'peak RSS']);
  for (const [label, row, perSecond] of [
    ['dispatcher, 100k due at once', r.burst, burstRate],
    ['dispatcher, 1,000 due per second', r.paced, pacedRate],
    ['pg-boss, 100k due at once', r.boss, bossRate],
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
  console.log('');
  console.log('sent/s: reminders handed to the provider per second of the phase (in the burst,');
  console.log(
    '  from the moment all were due to the last one handed over). Lateness: sent_at - due_at',
  );
  console.log(
    '  per reminder; in the burst it is mostly queueing (the last of 100k waits its turn).',
  );
  console.log(
    `pg-boss: fetch/complete by ${PGBOSS_WORKERS} workers x ${PGBOSS_BATCH} jobs back to back; the`,
  );
  console.log(
    '  same take-under-lease, re-check, render, message row, provider call and outcome write',
  );
  console.log(
    '  per job as the dispatcher, but no rate-cap slots. Peak RSS: this process (PostgreSQL aside).',
  );
  console.log(
    `exactly once: ${r.handedOver} provider calls for ${2 * DUE} due reminders over the two phases`,
  );
  console.log('');
  console.log(`ratio dispatcher / pg-boss (sent/s, all due at once): ${ratio.toFixed(2)}x`);
  console.log(check(`>= 2,000 reminders/s (${burstRate})`, burstRate >= 2000));
  console.log(check(`>= 1.0x pg-boss (${ratio.toFixed(2)}x)`, ratio >= 1));
  console.log(
    check(
      `p99 lateness <= 500 ms at 1,000 due/s (${ms(r.paced.stats.p99Ms)})`,
      r.paced.stats.p99Ms <= 500,
    ),
  );
  console.log(
    check(
      `every reminder handed over exactly once (${r.handedOver} / ${2 * DUE})`,
      r.handedOver === 2 * DUE,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
