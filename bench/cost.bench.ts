/**
 * npm run bench:cost
 *
 * What one unit of each hot path costs, read load-insensitively: the built service runs as a
 * process on a fresh embedded PostgreSQL (or a fresh database on DATABASE_URL) and is driven only
 * through its HTTP API, with reduced sizes (the whole run takes about two minutes):
 *
 *   webhook:  a signed Twilio inbound webhook acknowledged, processed and answered (autocannon,
 *             20 connections; the answers go to a stand-in for Twilio's API)
 *   replay:   the same webhook again (a provider's retry): the intake alone, nothing to process
 *   import:   an appointment imported through POST /v1/appointments/batch
 *   burst:    a reminder sent, all due at the same moment (fake provider)
 *   paced:    a reminder sent, due 200 a second
 *   reply:    a patient's "C" processed and its answer sent (POST /v1/simulator/inbound)
 *   report:   a no-show report (GET /v1/reports/no-shows) over the imported appointments
 *   idle:     a second with nothing due (the loops' safety-net polls alone)
 *
 * For each: service CPU and PostgreSQL CPU per unit (utime + stime from /proc, so other work on a
 * shared machine moves them far less than it moves a rate), WAL bytes per unit and statements per
 * unit (pg_stat_statements on the embedded server; on DATABASE_URL, transactions from
 * pg_stat_database instead, and said so). bench/budgets.json holds each path's budget; a unit
 * costing more than 1.5x its budget fails the run (exit 1), naming the unit and by how much.
 * BENCH_BUILT=1 skips `nest build` (CI builds first).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { normalizePhone } from '../src/bench-seam';
import { freshDatabase } from './support/database';
import { processCpuMs, serverCost } from './support/server-cost';
import { startService } from './support/service';
import { loadStatementStats, printStatementsPer } from './support/statement-stats';
import { twilioSignature } from './support/twilio';
import { FakeTwilioServer } from '../test/support/fake-twilio.server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<{
  requests: { total: number };
  non2xx: number;
  errors: number;
}>;

const ADMIN = 'bench-admin-token-0123456789';
const PUBLIC_BASE_URL = 'https://bench.turnout.test';
const INBOUND = '/webhooks/twilio/inbound';
const SIZES = {
  webhook: Number(process.env.BENCH_COST_WEBHOOKS ?? 2_000),
  import: Number(process.env.BENCH_COST_IMPORT ?? 3_000),
  burst: Number(process.env.BENCH_COST_BURST ?? 2_000),
  paced: Number(process.env.BENCH_COST_PACED ?? 1_000),
  reply: Number(process.env.BENCH_COST_REPLIES ?? 300),
  report: Number(process.env.BENCH_COST_REPORTS ?? 100),
};
/** BENCH_COST_PATHS=webhook,reply: the paths after import and webhook to run (all by default). */
const PATHS = new Set((process.env.BENCH_COST_PATHS ?? 'burst,paced,reply,report').split(','));
const TOP = Number(process.env.BENCH_COST_TOP ?? 0);
const PACED_PER_SECOND = 200;
/** BENCH_COST_IDLE_SECONDS: the idle window (60 takes in a risk refit's minute for certain). */
const IDLE_SECONDS = Number(process.env.BENCH_COST_IDLE_SECONDS ?? 10);
/** Reminders are made due this long after their import starts: time for it to finish first. */
const LEAD_MS = 10_000;
const REPLIES_PER_SECOND = 50;
/** A unit costing more than this times its budget fails the run. */
const TOLERANCE = 1.5;
const BUDGETS = process.env.BENCH_COST_BUDGETS ?? join(__dirname, 'budgets.json');

type Metric = 'serviceCpuUs' | 'pgCpuUs' | 'walBytes' | 'statements';
type Cost = Record<Metric, number | null>;
const METRICS: Metric[] = ['serviceCpuUs', 'pgCpuUs', 'walBytes', 'statements'];

interface Reading {
  serviceMs: number;
  pgMs: number | null;
  wal: number;
  statements: number;
}

/** The service's and the server's counters; the bench's own queries are tagged and left out. */
class Meter {
  constructor(
    private readonly db: Client,
    private readonly servicePid: number,
    readonly statementSource: 'pg_stat_statements' | 'pg_stat_database',
  ) {}

  async read(): Promise<Reading> {
    const server = await serverCost(this.db);
    return {
      serviceMs: processCpuMs(this.servicePid),
      pgMs: server.cpuMs,
      wal: server.walBytes,
      statements: await this.statements(),
    };
  }

  private async statements(): Promise<number> {
    if (this.statementSource === 'pg_stat_statements') {
      const { rows } = await this.db.query(
        `/* bench */ SELECT coalesce(sum(calls), 0)::float8 AS n FROM pg_stat_statements
         WHERE query NOT LIKE '%/* bench */%' AND query NOT LIKE '%pg_stat_statements%'`,
      );
      return Number(rows[0].n);
    }
    // Transactions, not statements: all pg_stat_database counts for a database.
    await this.db.query('/* bench */ SELECT pg_stat_force_next_flush()');
    await this.db.query('/* bench */ SELECT pg_stat_clear_snapshot()');
    const { rows } = await this.db.query(
      `/* bench */ SELECT (xact_commit + xact_rollback)::float8 AS n FROM pg_stat_database
       WHERE datname = current_database()`,
    );
    return Number(rows[0].n);
  }

  /**
   * Runs `work` (which returns how many units it did) and returns the cost per unit; with
   * BENCH_COST_TOP=n, also the n costliest statements per unit (pg_stat_statements only).
   */
  async measure(path: string, work: () => Promise<number>): Promise<{ units: number; cost: Cost }> {
    if (this.statementSource === 'pg_stat_statements') {
      await this.db.query('/* bench */ SELECT pg_stat_statements_reset()');
    }
    const before = await this.read();
    const units = await work();
    const after = await this.read();
    if (TOP > 0 && this.statementSource === 'pg_stat_statements') {
      await printStatementsPer(this.db, units, path, TOP);
    }
    const per = (a: number | null, b: number | null, scale: number) =>
      a === null || b === null ? null : ((b - a) * scale) / units;
    return {
      units,
      cost: {
        serviceCpuUs: per(before.serviceMs, after.serviceMs, 1000),
        pgCpuUs: per(before.pgMs, after.pgMs, 1000),
        walBytes: per(before.wal, after.wal, 1),
        statements: per(before.statements, after.statements, 1),
      },
    };
  }
}

async function api(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function phonePool(size: number, seed: number): string[] {
  const out = new Set<string>();
  for (let i = 0; out.size < size; i++) {
    const candidate = `+1312${2 + ((i + seed) % 8)}${100_000 + ((i * 7919 + seed) % 900_000)}`;
    if (normalizePhone(candidate, 'US') === candidate) out.add(candidate);
  }
  return [...out];
}

interface Clinic {
  id: string;
  apiKey: string;
  sender: string;
}

async function createClinic(
  base: string,
  n: number,
  provider: Record<string, string>,
  extra: Record<string, unknown> = {},
): Promise<Clinic> {
  const sender = phonePool(1, 900_000 + n * 37)[0].replace('+1312', '+1773');
  const clinic = (await api(base, 'POST', '/v1/clinics', ADMIN, {
    name: `Cost Clinic ${n}`,
    timezone: 'America/Chicago',
    senderNumber: sender,
    provider,
    quietHours: null,
    ...extra,
  })) as { id: string; apiKey: string };
  return { id: clinic.id, apiKey: clinic.apiKey, sender };
}

/** Uploads appointments in batches of 1,000; each patient's phone from `phones`. */
async function importAppointments(
  base: string,
  clinic: Clinic,
  prefix: string,
  phones: string[],
  startsAt: (i: number) => Date,
): Promise<number> {
  for (let from = 0; from < phones.length; from += 1_000) {
    const slice = phones.slice(from, from + 1_000);
    const batch = (await api(base, 'POST', '/v1/appointments/batch', clinic.apiKey, {
      appointments: slice.map((phone, j) => ({
        externalId: `${prefix}-${from + j}`,
        patient: { name: `Patient ${from + j}`, phone },
        startsAt: startsAt(from + j).toISOString(),
        durationMinutes: 30,
        location: `Room ${(from + j) % 7}`,
      })),
    })) as { results: { outcome: string; errors?: string[] }[] };
    const refused = batch.results.filter((r) => r.outcome === 'error');
    if (refused.length > 0) throw new Error(`refused: ${JSON.stringify(refused[0])}`);
  }
  return phones.length;
}

async function waitFor(
  db: Client,
  what: string,
  sql: string,
  params: unknown[],
  target: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(`/* bench */ ${sql}`, params);
    const n = Number(rows[0].n);
    if (n >= target) return;
    if (performance.now() > deadline) throw new Error(`${what}: ${n} of ${target} in time`);
    await sleep(100);
  }
}

const RISK_FITTED = `SELECT count(*)::int AS n FROM risk_models
  WHERE clinic_id = $1 AND fitted_at IS NOT NULL`;

const SENT_REMINDERS = `SELECT count(*)::int AS n FROM reminders
  WHERE clinic_id = $1 AND status IN ('sent', 'delivered')`;

function readBudgets(): Record<string, Partial<Record<Metric, number | null>>> {
  return JSON.parse(readFileSync(BUDGETS, 'utf8')) as Record<
    string,
    Partial<Record<Metric, number | null>>
  >;
}

async function main(): Promise<number> {
  const started = performance.now();
  const root = join(__dirname, '..');
  if (process.env.BENCH_BUILT !== '1') {
    console.log('building the service (nest build)...');
    execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const database = await freshDatabase('turnout_cost_bench');
  const statementSource = database.restart ? 'pg_stat_statements' : 'pg_stat_database';
  if (database.restart) await loadStatementStats(database);
  // The answers to the webhooks' texts go to a stand-in for Twilio's API on this machine.
  const twilioCredentials = {
    accountSid: 'ACbench0000000000000000000000000',
    authToken: randomBytes(16).toString('hex'),
  };
  const twilioApi = await FakeTwilioServer.start(twilioCredentials, { record: false });
  const service = await startService({
    TWILIO_API_BASE_URL: twilioApi.baseUrl,
    DATABASE_URL: database.url,
    ADMIN_TOKEN: ADMIN,
    PUBLIC_BASE_URL,
    // Limits off: one client address sends everything, the limiter would measure itself.
    WEBHOOK_RATE_LIMIT: '0',
    API_RATE_LIMIT: '0',
  });
  const base = service.baseUrl;
  const db = new Client({ connectionString: database.url });
  await db.connect();
  const meter = new Meter(db, service.pid, statementSource);
  const results: { path: string; units: number; cost: Cost }[] = [];
  const record = (path: string, r: { units: number; cost: Cost }) => {
    results.push({ path, ...r });
    const c = r.cost;
    const f = (v: number | null, d = 0) => (v === null ? 'n/a' : v.toFixed(d));
    console.log(
      `${path.padEnd(8)} ${String(r.units).padStart(6)} units: service CPU ${f(c.serviceCpuUs)} µs, ` +
        `PostgreSQL CPU ${f(c.pgCpuUs)} µs, WAL ${f(c.walBytes)} B, ` +
        `${statementSource === 'pg_stat_statements' ? 'statements' : 'transactions'} ${f(c.statements, 2)} per unit`,
    );
  };
  try {
    console.log(
      `service ${base} on ${database.description}; ${cpus().length} CPUs (${cpus()[0]?.model}); ` +
        `statements counted by ${statementSource === 'pg_stat_statements' ? 'pg_stat_statements' : 'pg_stat_database (transactions, not statements)'}`,
    );
    const now = Date.now();

    // Warm-up, not measured: JIT, pools, caches, on every route the paths use.
    const warm = await createClinic(base, 0, { type: 'fake' }, { sendRatePerSecond: 1000 });
    const warmPhones = phonePool(300, 7);
    await importAppointments(base, warm, 'W', warmPhones, () => new Date(now + 3 * 86_400_000));

    // import: appointments through the batch route, three days out (their reminders later).
    const fake = await createClinic(
      base,
      1,
      { type: 'fake' },
      { sendRatePerSecond: 1000, reminderOffsets: ['P2D'] },
    );
    const importPhones = phonePool(SIZES.import, 11);
    record(
      'import',
      await meter.measure('import', () =>
        importAppointments(base, fake, 'I', importPhones, (i) => {
          // spread over the last 30 days and the next 3, so the report has something to count
          return new Date(now + (i % 2 === 0 ? 3 * 86_400_000 : -((i % 30) + 1) * 86_400_000));
        }),
      ),
    );

    // webhook: signed Twilio inbound webhooks from the import's patients, acknowledged and stored,
    // measured until the inbox has processed them all.
    const authToken = twilioCredentials.authToken;
    const twilio = await createClinic(
      base,
      2,
      { type: 'twilio', ...twilioCredentials },
      { sendRatePerSecond: 1000 },
    );
    const twilioPhones = phonePool(500, 13);
    await importAppointments(base, twilio, 'T', twilioPhones, () => new Date(now + 3 * 86_400_000));
    const webhook = (i: number) => {
      const sid = `SM${randomBytes(16).toString('hex')}`;
      const params = {
        MessageSid: sid,
        AccountSid: 'ACbench0000000000000000000000000',
        From: twilioPhones[i % twilioPhones.length],
        To: twilio.sender,
        Body: 'Running 10 minutes late, sorry!',
        NumMedia: '0',
      };
      return {
        body: new URLSearchParams(params).toString(),
        signature: twilioSignature(authToken, `${PUBLIC_BASE_URL}${INBOUND}`, params),
      };
    };
    const postWebhooks = async (webhooks: { body: string; signature: string }[]) => {
      let i = 0;
      const run = await autocannon({
        url: base,
        connections: 20,
        amount: webhooks.length,
        requests: [
          {
            method: 'POST',
            path: INBOUND,
            setupRequest: (req: Record<string, unknown>) => {
              const w = webhooks[i++ % webhooks.length];
              return {
                ...req,
                headers: {
                  'Content-Type': 'application/x-www-form-urlencoded',
                  'X-Twilio-Signature': w.signature,
                },
                body: w.body,
              };
            },
          },
        ],
      });
      if (run.non2xx > 0 || run.errors > 0) {
        throw new Error(`webhooks: ${run.non2xx} non-2xx, ${run.errors} errors`);
      }
      return run.requests.total;
    };
    const inboxDone = `SELECT count(*)::int AS n FROM webhook_inbox
      WHERE clinic_id = $1 AND processed_at IS NOT NULL`;
    // "Running late" is not a reply Turnout understands: each is answered asking what was meant.
    // Minus the answers still to hand over, so that waitFor (n >= 0) waits for none left.
    const unanswered = `SELECT -count(*)::int AS n FROM messages
      WHERE clinic_id = $1 AND direction = 'outbound' AND status IN ('pending', 'sending')`;
    const warmWebhooks = Array.from({ length: 300 }, (_, i) => webhook(i));
    await postWebhooks(warmWebhooks);
    await waitFor(db, 'warm-up webhooks', inboxDone, [twilio.id], 300, 60_000);
    await waitFor(db, 'warm-up answers', unanswered, [twilio.id], 0, 60_000);
    const webhooks = Array.from({ length: SIZES.webhook }, (_, i) => webhook(i));
    record(
      'webhook',
      await meter.measure('webhook', async () => {
        const n = await postWebhooks(webhooks);
        await waitFor(db, 'webhooks processed', inboxDone, [twilio.id], 300 + n, 120_000);
        await waitFor(db, 'answers handed over', unanswered, [twilio.id], 0, 120_000);
        return n;
      }),
    );
    // replay: the same webhooks again, as a provider retrying them: the whole intake (body,
    // signature, the inbox's insert finding each stored) and nothing to process after it.
    record('replay', await meter.measure('replay', () => postWebhooks(webhooks)));

    if (PATHS.has('burst')) {
      // burst: reminders all due at one moment, a few seconds after their appointments are in.
      const burstClinic = await createClinic(
        base,
        3,
        { type: 'fake' },
        { sendRatePerSecond: 1000, reminderOffsets: ['PT1H'] },
      );
      const burstDue = Date.now() + LEAD_MS;
      await importAppointments(
        base,
        burstClinic,
        'B',
        phonePool(SIZES.burst, 17),
        () => new Date(burstDue + 3_600_000),
      );
      await sleep(Math.max(0, burstDue - Date.now() - 500));
      record(
        'burst',
        await meter.measure('burst', async () => {
          await waitFor(
            db,
            'burst reminders',
            SENT_REMINDERS,
            [burstClinic.id],
            SIZES.burst,
            120_000,
          );
          return SIZES.burst;
        }),
      );
    }

    if (PATHS.has('paced')) {
      // paced: 200 reminders due a second.
      const pacedClinic = await createClinic(
        base,
        4,
        { type: 'fake' },
        { sendRatePerSecond: 1000, reminderOffsets: ['PT1H'] },
      );
      const pacedFrom = Date.now() + LEAD_MS;
      await importAppointments(
        base,
        pacedClinic,
        'P',
        phonePool(SIZES.paced, 19),
        (i) => new Date(pacedFrom + 3_600_000 + Math.floor((i * 1000) / PACED_PER_SECOND)),
      );
      await sleep(Math.max(0, pacedFrom - Date.now() - 500));
      record(
        'paced',
        await meter.measure('paced', async () => {
          await waitFor(
            db,
            'paced reminders',
            SENT_REMINDERS,
            [pacedClinic.id],
            SIZES.paced,
            120_000,
          );
          return SIZES.paced;
        }),
      );
    }

    if (PATHS.has('reply')) {
      // reply: "C" from patients with an upcoming appointment, each confirmed and answered.
      const replyPhones = importPhones.filter((_, i) => i % 2 === 0).slice(0, SIZES.reply);
      const answered = `SELECT count(*)::int AS n FROM messages
      WHERE clinic_id = $1 AND direction = 'outbound' AND kind = 'workflow_reply'
        AND status IN ('queued', 'sent', 'delivered')`;
      record(
        'reply',
        await meter.measure('reply', async () => {
          const t0 = performance.now();
          for (let i = 0; i < replyPhones.length; i++) {
            const at = t0 + (i * 1000) / REPLIES_PER_SECOND;
            if (at > performance.now()) await sleep(at - performance.now());
            await api(base, 'POST', '/v1/simulator/inbound', fake.apiKey, {
              from: replyPhones[i],
              body: 'C',
            });
          }
          await waitFor(
            db,
            'answers handed over',
            answered,
            [fake.id],
            replyPhones.length,
            120_000,
          );
          return replyPhones.length;
        }),
      );
    }

    if (PATHS.has('report')) {
      // report: the no-show report over the imported appointments, grouped and not.
      const day = (offset: number) =>
        new Date(now + offset * 86_400_000).toISOString().slice(0, 10);
      record(
        'report',
        await meter.measure('report', async () => {
          for (let i = 0; i < SIZES.report; i++) {
            const groupBy = i % 2 === 0 ? 'location' : 'none';
            await api(
              base,
              'GET',
              `/v1/reports/no-shows?from=${day(-31)}&to=${day(1)}&groupBy=${groupBy}`,
              fake.apiKey,
            );
          }
          return SIZES.report;
        }),
      );
    }
    // idle: nothing due (the remaining reminders are days away); each loop keeps only its
    // safety-net poll. Units are seconds: 10,000 µs of service CPU per second is 1% of a core.
    // First the risk model learns the imported history (its first fit, ~0.2 s of CPU, is work
    // the import caused, not idling): the refit looks once a minute, so this waits a minute at
    // most; a model that cannot be fitted is not waited for longer.
    await waitFor(db, 'risk model', RISK_FITTED, [fake.id], 1, 70_000).catch(() => undefined);
    await sleep(2_000);
    record(
      'idle',
      await meter.measure('idle', async () => {
        await sleep(IDLE_SECONDS * 1000);
        return IDLE_SECONDS;
      }),
    );
  } finally {
    await db.end();
    await service.stop();
    await twilioApi.stop();
    await database.stop();
  }

  const budgets = readBudgets();
  const over: string[] = [];
  for (const { path, cost } of results) {
    const budget = budgets[path] ?? {};
    for (const metric of METRICS) {
      const limit = budget[metric];
      const value = cost[metric];
      // Statements are budgeted as pg_stat_statements counts them; transactions are not those.
      if (metric === 'statements' && statementSource !== 'pg_stat_statements') continue;
      if (limit === undefined || limit === null || value === null) continue;
      if (value > TOLERANCE * limit) {
        over.push(
          `OVER BUDGET: ${path} ${metric} ${value.toFixed(1)} per unit, ` +
            `${(value / limit).toFixed(2)}x its budget ${limit} (limit ${TOLERANCE}x)`,
        );
      }
    }
    // null: measured and printed, deliberately not budgeted (see the file's note).
    for (const metric of METRICS) {
      if (budget[metric] === undefined) over.push(`NO BUDGET: ${path} ${metric} in budgets.json`);
    }
  }
  console.log(`\nbench:cost took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(over.length === 0 ? `every unit within ${TOLERANCE}x its budget` : over.join('\n'));
  return over.length > 0 ? 1 : 0;
}

// Exits explicitly: process.exitCode alone was seen lost (exit 0 after OVER BUDGET).
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
