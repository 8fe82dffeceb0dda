/**
 * npm run bench:webhooks
 *
 * Starts the built service on a fresh database, creates Twilio clinics with patients, and posts
 * validly signed Twilio inbound webhooks (distinct MessageSids, every fifth one a byte-for-byte
 * replay of an earlier one, From numbers of the clinic's patients) with autocannon:
 *   1. at the highest rate the service takes (BENCH_CONNECTIONS connections, BENCH_MAX_SECONDS):
 *      acknowledged webhooks/s and latency p50/p99, then how fast the backlog is processed;
 *   2. paced at BENCH_RATE/s (BENCH_PACED_SECONDS): the lag from acknowledgement to processed
 *      (processed_at - received_at in the inbox), p50/p99/max;
 * and finally checks from the database that every distinct MessageSid was processed exactly once.
 * Goals (2 cores): >= 2,000 acknowledged/s with p99 < 50 ms; at 500/s, p99 processed < 1 s.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { normalizePhone } from '../src/bench-seam';
import { twilioSignature } from './support/twilio';
import { freshDatabase } from './support/database';
import { processCpuMs } from './support/server-cost';
import { RunningService, startService } from './support/service';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
) => Promise<CannonResult>;

interface Histogram {
  p50: number;
  p99: number;
  max: number;
  average: number;
}
interface CannonResult {
  duration: number;
  latency: Histogram;
  requests: Histogram & { total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}

const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PACED_RATE = Number(process.env.BENCH_RATE ?? 500);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 20);
const INBOX_INTERVAL_MS = process.env.INBOX_INTERVAL_MS ?? '20';
/** Service processes on the one database; the inbox is built to be shared (SKIP LOCKED). */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
const PATIENTS = 500;
const REPLAY_EVERY = 5; // 20% of requests are replays
const ADMIN = 'bench-admin-token-0123456789';
const PUBLIC_BASE_URL = 'https://bench.turnout.test';
const INBOUND = '/webhooks/twilio/inbound';

interface BenchClinic {
  id: string;
  sender: string;
  authToken: string;
  patients: string[];
}

/** Webhooks as Twilio would post them; replays repeat an earlier one byte for byte. */
class WebhookFeed {
  private readonly sent: { body: string; signature: string; sid: string }[] = [];
  private count = 0;
  readonly acked = new Set<string>();
  replaysAcked = 0;
  failures = 0;

  constructor(private readonly clinic: BenchClinic) {}

  next(): { body: string; signature: string; sid: string; replay: boolean } {
    this.count += 1;
    if (this.count % REPLAY_EVERY === 0 && this.sent.length > 0) {
      const earlier = this.sent[Math.floor(Math.random() * this.sent.length)];
      return { ...earlier, replay: true };
    }
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const params = {
      MessageSid: sid,
      SmsSid: sid,
      SmsMessageSid: sid,
      AccountSid: 'ACbench0000000000000000000000000',
      From: this.clinic.patients[this.count % this.clinic.patients.length],
      To: this.clinic.sender,
      Body: this.count % 3 === 0 ? 'C' : 'Running 10 minutes late, sorry!',
      NumMedia: '0',
      NumSegments: '1',
      FromCity: 'CHICAGO',
      FromState: 'IL',
      FromCountry: 'US',
      ApiVersion: '2010-04-01',
    };
    const body = new URLSearchParams(params).toString();
    const signature = twilioSignature(
      this.clinic.authToken,
      `${PUBLIC_BASE_URL}${INBOUND}`,
      params,
    );
    const webhook = { body, signature, sid };
    this.sent.push(webhook);
    return { ...webhook, replay: false };
  }

  /** The autocannon request: each one takes the next webhook, each answer is accounted for. */
  request() {
    return {
      method: 'POST',
      path: INBOUND,
      setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
        const webhook = this.next();
        context.sid = webhook.sid;
        context.replay = webhook.replay;
        return {
          ...req,
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            'X-Twilio-Signature': webhook.signature,
          },
          body: webhook.body,
        };
      },
      onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
        if (status !== 200) {
          this.failures += 1;
          return;
        }
        this.acked.add(context.sid as string);
        if (context.replay) this.replaysAcked += 1;
      },
    };
  }
}

function phonePool(size: number, seed: number): string[] {
  const out = new Set<string>();
  for (let i = 0; out.size < size; i++) {
    const candidate = `+1312${2 + ((i + seed) % 8)}${100_000 + ((i * 7919 + seed) % 900_000)}`;
    if (normalizePhone(candidate, 'US') === candidate) out.add(candidate);
  }
  return [...out];
}

function senderNumber(): string {
  for (;;) {
    const candidate = `+1773${2 + Math.floor(Math.random() * 8)}${100_000 + Math.floor(Math.random() * 900_000)}`;
    if (normalizePhone(candidate, 'US') === candidate) return candidate;
  }
}

async function api(base: string, path: string, token: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function createClinic(base: string, n: number): Promise<BenchClinic> {
  const sender = senderNumber();
  const authToken = randomBytes(16).toString('hex');
  const clinic = (await api(base, '/v1/clinics', ADMIN, {
    name: `Bench Clinic ${n}`,
    timezone: 'America/Chicago',
    senderNumber: sender,
    provider: { type: 'twilio', accountSid: 'ACbench0000000000000000000000000', authToken },
  })) as { id: string; apiKey: string };
  const patients = phonePool(PATIENTS, n * 1000);
  // Upcoming appointments, so each reply is linked to a patient and an appointment.
  const startsAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const batch = (await api(base, '/v1/appointments/batch', clinic.apiKey, {
    appointments: patients.map((phone, i) => ({
      externalId: `W-${n}-${i}`,
      patient: { name: `Patient ${i}`, phone },
      startsAt,
      durationMinutes: 30,
    })),
  })) as { results: { outcome: string }[] };
  const failed = batch.results.filter((r) => r.outcome === 'error').length;
  if (failed > 0) throw new Error(`${failed} bench appointments were refused`);
  return { id: clinic.id, sender, authToken, patients };
}

/**
 * Waits until every stored event of the clinic is processed. Requests cut off when autocannon
 * stopped may still be on their way into the inbox, so the count must also hold still.
 */
async function waitProcessed(db: Client, clinicId: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let lastTotal = -1;
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE processed_at IS NULL AND failed_at IS NULL)::int AS open
       FROM webhook_inbox WHERE clinic_id = $1`,
      [clinicId],
    );
    const { total, open } = rows[0] as { total: number; open: number };
    if (open === 0 && total === lastTotal) return performance.now() - started - 100;
    lastTotal = open === 0 ? total : -1;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${open} events still unprocessed after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Every MessageSid processed exactly once: one inbox event per id (the inbox's unique key), that
 * event marked processed (not failed), and exactly one inbound message for it. `attempts` counts
 * failed attempts, not claims (InboxCountsFailuresNotClaims): a processed event has 0, and one
 * that failed before succeeding is reported, not counted as twice. Cross-checked against what the
 * bench itself saw: every acknowledged id stored, and nothing stored that was never sent.
 */
async function verifyOnce(db: Client, clinic: BenchClinic, feed: WebhookFeed): Promise<boolean> {
  const { rows } = await db.query(
    `WITH events AS (
       SELECT event_key, processed_at, failed_at, attempts FROM webhook_inbox
       WHERE clinic_id = $1 AND kind = 'inbound'),
     inbound AS (
       SELECT provider_message_id AS sid, count(*)::int AS n FROM messages
       WHERE clinic_id = $1 AND direction = 'inbound' GROUP BY provider_message_id),
     acked AS (SELECT unnest($2::text[]) AS sid)
     SELECT
       (SELECT count(*)::int FROM events) AS inbox,
       (SELECT count(*)::int FROM events e LEFT JOIN inbound m ON m.sid = e.event_key
         WHERE e.processed_at IS NULL OR e.failed_at IS NOT NULL OR m.n IS DISTINCT FROM 1)
         AS not_once,
       (SELECT count(*)::int FROM events WHERE attempts > 0) AS retried,
       (SELECT coalesce(sum(n), 0)::int FROM inbound) AS inbound,
       (SELECT count(*)::int FROM inbound) AS distinct_ids,
       (SELECT count(*)::int FROM inbound m LEFT JOIN events e ON e.event_key = m.sid
         WHERE e.event_key IS NULL) AS without_event,
       (SELECT count(*)::int FROM messages
         WHERE clinic_id = $1 AND direction = 'inbound' AND patient_id IS NULL) AS unlinked,
       (SELECT count(*)::int FROM acked a LEFT JOIN events e ON e.event_key = a.sid
         WHERE e.event_key IS NULL) AS acked_lost,
       (SELECT count(*)::int FROM events e LEFT JOIN acked a ON a.sid = e.event_key
         WHERE a.sid IS NULL) AS unacked_stored`,
    [clinic.id, [...feed.acked]],
  );
  const r = rows[0];
  // A request cut off when the timer ran out may have been stored without its answer arriving,
  // so stored-but-unacknowledged is allowed; acknowledged-but-not-stored never is.
  const ok =
    r.not_once === 0 &&
    r.without_event === 0 &&
    r.inbound === r.distinct_ids &&
    r.inbound === r.inbox &&
    r.acked_lost === 0 &&
    r.inbox - r.unacked_stored === feed.acked.size &&
    r.unlinked === 0 &&
    feed.failures === 0;
  console.log(
    `  distinct MessageSids acknowledged ${feed.acked.size}, replays acknowledged ` +
      `${feed.replaysAcked}, refused ${feed.failures}; inbox events ${r.inbox}; inbound messages ` +
      `${r.inbound} (${r.distinct_ids} distinct ids, ${r.without_event} without an event, ` +
      `${r.unlinked} unlinked); acknowledged but not stored ${r.acked_lost}, stored but cut off ` +
      `by the timer ${r.unacked_stored}; events retried after an error ${r.retried}; ` +
      `events not processed exactly once: ${r.not_once} -> ` +
      (ok ? 'OK' : 'MISMATCH'),
  );
  return ok;
}

function parentOf(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Busy CPU time of the whole machine in ms. */
function machineCpuMs(): number {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq) * 10;
}

/**
 * Where the machine's CPU went during a phase: the service, its PostgreSQL, this load
 * generator, and everything else (other work on a shared machine skews every figure).
 */
class CpuAccount {
  private readonly start: number[];

  constructor(
    private readonly servicePids: number[],
    private readonly postmaster: number,
  ) {
    this.start = this.sample();
  }

  private sample(): number[] {
    const pg = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d) && parentOf(Number(d)) === this.postmaster)
      .reduce((sum, d) => sum + processCpuMs(Number(d)), processCpuMs(this.postmaster));
    const service = this.servicePids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
    return [machineCpuMs(), service, pg, processCpuMs(process.pid)];
  }

  report(seconds: number, acknowledged: number): string {
    const [machine, service, pg, self] = this.sample().map((v, i) => v - this.start[i]);
    const cores = (v: number) => (v / 1000 / seconds).toFixed(2);
    const perAck = (v: number) => Math.round((v * 1000) / acknowledged);
    return (
      `  CPU (cores): service ${cores(service)}, PostgreSQL ${cores(pg)}, load generator ` +
      `${cores(self)}, other processes ${cores(Math.max(0, machine - service - pg - self))}; ` +
      `per acknowledged webhook: service ${perAck(service)} µs, PostgreSQL ${perAck(pg)} µs`
    );
  }
}

async function postmasterPid(db: Client): Promise<number> {
  const { rows } = await db.query('SELECT pg_backend_pid() AS pid');
  return parentOf(Number(rows[0].pid));
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  console.log('building the service (nest build)...');
  execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
  const database = await freshDatabase('turnout_webhooks_bench');
  const env = {
    DATABASE_URL: database.url,
    ADMIN_TOKEN: ADMIN,
    PUBLIC_BASE_URL,
    INBOX_INTERVAL_MS,
    // Nothing is sent: the dispatcher stays off and could not reach a provider anyway.
    DISPATCH_INTERVAL_MS: '0',
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
    // one client address sends everything: the per-address limit would measure itself
    WEBHOOK_RATE_LIMIT: '0',
  };
  const services: RunningService[] = [];
  // One after the other: the first applies the migrations.
  for (let i = 0; i < INSTANCES; i++) services.push(await startService(env));
  const urls = services.map((s) => s.baseUrl);
  const base = urls[0];
  const db = new Client({ connectionString: database.url });
  await db.connect();
  const goals: string[] = [];
  let verified = true;
  try {
    console.log(
      `${INSTANCES} service process(es) ${urls.join(', ')} on ${database.description}; ` +
        `${cpus().length} CPUs shared by the service, PostgreSQL and the load generator; ` +
        `inbox loop every ${INBOX_INTERVAL_MS} ms`,
    );
    const burst = await createClinic(base, 1);
    const paced = await createClinic(base, 2);

    // Warm-up: JIT, connection pool and caches, on a third clinic, not measured.
    const warm = await createClinic(base, 3);
    await autocannon({
      url: urls,
      connections: 10,
      duration: 3,
      requests: [new WebhookFeed(warm).request()],
    });
    await waitProcessed(db, warm.id, 120_000);

    console.log(`\n1. maximum rate: ${CONNECTIONS} connections for ${MAX_SECONDS} s`);
    const burstFeed = new WebhookFeed(burst);
    const postmaster = await postmasterPid(db);
    const servicePids = services.map((service) => service.pid);
    const burstCpu = new CpuAccount(servicePids, postmaster);
    const max = await autocannon({
      url: urls,
      connections: CONNECTIONS,
      duration: MAX_SECONDS,
      requests: [burstFeed.request()],
    });
    const ackRate = (max.requests.total - max.non2xx) / max.duration;
    console.log(
      `  acknowledged ${Math.round(ackRate)} webhooks/s (${max.requests.total} requests, ` +
        `${max.non2xx} non-2xx, ${max.errors} errors, ${max.timeouts} timeouts); ` +
        `latency p50 ${ms(max.latency.p50)}, p99 ${ms(max.latency.p99)}, max ${ms(max.latency.max)}`,
    );
    console.log(burstCpu.report(max.duration, max.requests.total - max.non2xx));
    const drainMs = await waitProcessed(db, burst.id, 600_000);
    const { rows: burstLag } = await db.query(
      `SELECT count(*)::int AS n,
              extract(epoch FROM max(processed_at) - min(received_at)) AS span_s,
              1000 * extract(epoch FROM percentile_cont(0.99)
                WITHIN GROUP (ORDER BY processed_at - received_at)) AS p99_ms
       FROM webhook_inbox WHERE clinic_id = $1`,
      [burst.id],
    );
    console.log(
      `  backlog processed ${ms(drainMs)} after the load stopped; processing throughput ` +
        `${Math.round(burstLag[0].n / Number(burstLag[0].span_s))} events/s over the phase ` +
        `(lag p99 ${ms(Number(burstLag[0].p99_ms))} while overloaded)`,
    );
    verified = (await verifyOnce(db, burst, burstFeed)) && verified;
    if (ackRate < 2000) goals.push(`MISSED: ${Math.round(ackRate)} acknowledged/s < 2,000`);
    if (max.latency.p99 >= 50) goals.push(`MISSED: p99 ${ms(max.latency.p99)} >= 50 ms`);

    console.log(`\n2. paced: ${PACED_RATE} webhooks/s for ${PACED_SECONDS} s`);
    const pacedFeed = new WebhookFeed(paced);
    const pacedCpu = new CpuAccount(servicePids, postmaster);
    const steady = await autocannon({
      url: urls,
      connections: 20,
      overallRate: PACED_RATE,
      duration: PACED_SECONDS,
      requests: [pacedFeed.request()],
    });
    console.log(
      `  sent ${Math.round(steady.requests.total / steady.duration)}/s, ` +
        `${steady.non2xx} non-2xx; latency p50 ${ms(steady.latency.p50)}, ` +
        `p99 ${ms(steady.latency.p99)}`,
    );
    console.log(pacedCpu.report(steady.duration, steady.requests.total - steady.non2xx));
    await waitProcessed(db, paced.id, 120_000);
    const { rows: lag } = await db.query(
      `SELECT 1000 * extract(epoch FROM percentile_cont(0.5)
                WITHIN GROUP (ORDER BY processed_at - received_at)) AS p50,
              1000 * extract(epoch FROM percentile_cont(0.99)
                WITHIN GROUP (ORDER BY processed_at - received_at)) AS p99,
              1000 * extract(epoch FROM max(processed_at - received_at)) AS max
       FROM webhook_inbox WHERE clinic_id = $1`,
      [paced.id],
    );
    const [p50, p99, lagMax] = [lag[0].p50, lag[0].p99, lag[0].max].map(Number);
    console.log(
      `  acknowledgement -> processed: p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(lagMax)}`,
    );
    verified = (await verifyOnce(db, paced, pacedFeed)) && verified;
    if (p99 >= 1000) goals.push(`MISSED: processed p99 ${ms(p99)} >= 1 s at ${PACED_RATE}/s`);
    if (!verified) goals.push('FAILED: a MessageSid was not processed exactly once');

    const rss = services.map((s) => `${Math.round(s.peakRssMiB())} MiB`).join(', ');
    console.log(`\nservice peak RSS ${rss}`);
    console.log(goals.length === 0 ? 'all goals met' : goals.join('\n'));
  } finally {
    await db.end();
    for (const service of services) await service.stop();
    await database.stop();
  }
  if (!verified) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
