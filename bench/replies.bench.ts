/**
 * npm run bench:replies
 *
 * Starts the built service on a fresh database with BENCH_CLINICS Twilio clinics and
 * BENCH_PATIENTS patients (spread over them), each with an upcoming appointment whose reminder
 * was sent, and open slots for every practitioner. Then patients reply as validly signed Twilio
 * inbound webhooks at BENCH_RATE/s for BENCH_SECONDS: each patient follows one script, C, X,
 * R then a digit (BENCH_DIGIT_DELAY_MS after the offer reached the provider, as a patient reads
 * it and answers), or an unrecognised text, so every text has
 * exactly one answer. Reports replies applied per second and, per reply, webhook acknowledged
 * -> answer handed to the provider (p50/p99/max; the provider is a local Twilio wire server,
 * every clinic allowed 10 texts/s), next to the baseline of the same run: acknowledged -> inbox
 * event processed, what the plain webhook inbox costs. Finally checks in the database that
 * each reply was applied exactly once.
 *
 * Defaults are the full size (50 clinics, 20,000 patients, 200/s for 60 s); use
 * BENCH_CLINICS=12 BENCH_PATIENTS=2400 BENCH_RATE=50 BENCH_SECONDS=15 on a shared machine (the
 * same 4 replies/s per clinic as the full size: each clinic may send 10 texts/s).
 * Goal: p99 under 1 s at 200/s. BENCH_RATE takes a list (150,200,250): each rate runs on a
 * fresh database, and the last line says the highest rate tried at which p99 stayed under 1 s.
 * Replies not processed (or answers not sent) within BENCH_SETTLE_SECONDS (300) after the last
 * one fail the run, after printing the figures of what was reached.
 * A/B: BENCH_SERVICE_ROOT=<another checkout, built> runs this bench against that service, and
 * BENCH_SKIP_BUILD=1 skips the build (`npm run build` first).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { Client } from 'pg';
import {
  api,
  benchPhone,
  cpuMs,
  machineLine,
  postForm,
  postgresCpuMs,
  patientPhones,
  postmasterPid,
} from './support/harness';
import { twilioSignature } from './support/twilio';
import { FakeTwilioServer } from '../test/support/fake-twilio.server';
import { freshDatabase } from './support/database';
import { serviceRoot, startService } from './support/service';
import { loadStatementStats, printStatementsPer } from './support/statement-stats';

const CLINICS = Number(process.env.BENCH_CLINICS ?? 50);
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 20_000);
/** One rate, or a list (BENCH_RATE=100,150,200): a fresh run at each, then where p99 < 1 s holds. */
const RATES = (process.env.BENCH_RATE ?? '200').split(',').map(Number);
/** How long after the last reply the texts may take to be processed and answered. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 300) * 1000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const DIGIT_DELAY_MS = Number(process.env.BENCH_DIGIT_DELAY_MS ?? 3_000);
/**
 * BENCH_STATEMENTS=1: load pg_stat_statements (embedded only) and print statements per reply;
 * BENCH_STATEMENTS=nested: the statements run inside functions and triggers listed on their own
 * too (pg_stat_statements.track = all), to see what a trigger costs.
 */
const STATEMENTS = ['1', 'nested'].includes(process.env.BENCH_STATEMENTS ?? '');
const NESTED = process.env.BENCH_STATEMENTS === 'nested';
/** How many of the costliest statements BENCH_STATEMENTS lists (BENCH_STATEMENTS_TOP, 25). */
const STATEMENTS_TOP = Number(process.env.BENCH_STATEMENTS_TOP ?? 25);
/**
 * BENCH_PG_SOCKET=<dir> (an experiment): the service reaches the same local server through its
 * Unix socket in <dir> (embedded PostgreSQL listens in /tmp) instead of loopback TCP.
 */
const SOCKET_DIR = process.env.BENCH_PG_SOCKET;
const PRACTITIONERS = 10;
const ADMIN = 'bench-admin-token-0123456789';
const CREDENTIALS = {
  accountSid: 'ACbench0000000000000000000000000',
  authToken: 'bench-auth-token',
};
const PUBLIC_BASE_URL = 'https://bench.turnout.test';
const INBOUND = '/webhooks/twilio/inbound';
const SCRIPTS = ['C', 'X', 'R', '?'] as const;
type Script = (typeof SCRIPTS)[number];
/** BENCH_MIX=C (or XR, ...): only those scripts, to cost one kind of reply; default all four. */
const MIX = [...(process.env.BENCH_MIX ?? SCRIPTS.join(''))] as Script[];
if (MIX.length === 0 || MIX.some((s) => !SCRIPTS.includes(s))) {
  throw new Error(`BENCH_MIX takes letters of ${SCRIPTS.join('')}`);
}

interface Patient {
  clinic: BenchClinic;
  phone: string;
  script: Script;
}
interface BenchClinic {
  id: string;
  sender: string;
  authToken: string;
}

/** A clinic, its patients' appointments (reminder marked sent) and open slots. */
async function setUpClinic(
  base: string,
  db: Client,
  n: number,
  patientCount: number,
  script: (i: number) => Script,
): Promise<Patient[]> {
  const sender = benchPhone('+1773', n);
  const { authToken } = CREDENTIALS;
  const created = (await api(base, '/v1/clinics', ADMIN, {
    name: `Bench ${n}`,
    timezone: 'America/Chicago',
    senderNumber: sender,
    provider: { type: 'twilio', ...CREDENTIALS },
    // 200 replies/s over 50 clinics is 4 answers/s each: above the long-code default of 1/s
    sendRatePerSecond: 10,
  })) as { id: string; apiKey: string };
  const clinic = { id: created.id, sender, authToken };
  const day = 86_400_000;
  const start = Math.ceil(Date.now() / day) * day + 3 * day;
  const list = patientPhones(n, patientCount);
  // One practitioner never holds two overlapping appointments: half-hour steps per practitioner.
  const at = (i: number, offset: number) =>
    new Date(start + offset + Math.floor(i / PRACTITIONERS) * 1_800_000).toISOString();
  for (let from = 0; from < list.length; from += 5000) {
    const chunk = list.slice(from, from + 5000);
    await api(base, '/v1/appointments/batch', created.apiKey, {
      appointments: chunk.map((p, j) => ({
        externalId: `R-${n}-${from + j}`,
        patient: { name: `Patient ${from + j}`, phone: p },
        startsAt: at(from + j, 0),
        durationMinutes: 30,
        practitioner: `Dr. ${(from + j) % PRACTITIONERS}`,
      })),
    });
  }
  // As if the dispatcher had sent each appointment's first reminder.
  await db.query(
    `UPDATE reminders r SET status = 'sent', sent_at = now()
     WHERE r.clinic_id = $1 AND r.id = (SELECT id FROM reminders x
       WHERE x.appointment_id = r.appointment_id ORDER BY due_at LIMIT 1)`,
    [clinic.id],
  );
  const slots = Array.from({ length: Math.ceil(list.length / PRACTITIONERS) * 2 }, (_, k) =>
    Array.from({ length: PRACTITIONERS }, (_, p) => ({
      practitioner: `Dr. ${p}`,
      startsAt: at(k * PRACTITIONERS, 5 * day),
      durationMinutes: 30,
    })),
  ).flat();
  for (let from = 0; from < slots.length; from += 5000) {
    await api(base, '/v1/slots/batch', created.apiKey, { slots: slots.slice(from, from + 5000) });
  }
  return list.map((p, i) => ({ clinic, phone: p, script: script(i) }));
}

function signed(p: Patient, body: string): { form: string; signature: string } {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const params = {
    MessageSid: sid,
    AccountSid: 'ACbench0000000000000000000000000',
    From: p.phone,
    To: p.clinic.sender,
    Body: body,
    NumMedia: '0',
  };
  return {
    form: new URLSearchParams(params).toString(),
    signature: twilioSignature(p.clinic.authToken, `${PUBLIC_BASE_URL}${INBOUND}`, params),
  };
}

function overSocket(url: string, dir: string): string {
  const socket = new URL(url);
  // node-postgres takes the socket directory from `host` in the query, over the URL's host.
  socket.searchParams.set('host', dir);
  return socket.toString();
}

/**
 * The offers that answer R, as they reach the provider: the patient reads one and answers with
 * a digit DIGIT_DELAY_MS later, as a person does. (A digit sent a fixed time after the R, as
 * before, could overtake its offer whenever the service ran more than that behind, and was then
 * rightly an unrecognised reply: a run past saturation reported a mismatch for the bench's
 * own script.)
 */
class OfferWatch {
  private readonly waiting = new Map<string, { p: Patient; i: number }>();
  /** offers read: when (performance.now()), by whom, and the index of their R */
  readonly read: { at: number; p: Patient; i: number }[] = [];

  expect(p: Patient, i: number): void {
    this.waiting.set(p.phone, { p, i });
  }

  /** FakeTwilioServer's onAccepted: the first text to a patient awaiting one is the offer. */
  readonly accepted = (to: string): void => {
    const w = this.waiting.get(to);
    if (!w) return;
    this.waiting.delete(to);
    this.read.push({ at: performance.now(), ...w });
  };

  get pending(): number {
    return this.waiting.size;
  }
}

/** Sends the replies at `rate`/s; a digit follows its offer after DIGIT_DELAY_MS. */
async function replyAtRate(
  base: string,
  patients: Patient[],
  rate: number,
  offers: OfferWatch,
): Promise<{ sent: number; failed: number; seconds: number; digitsUnsent: number }> {
  const body = (s: Script, i: number) =>
    s === 'C'
      ? ['yes!', 'C', 'ok 👍'][i % 3]
      : s === 'X'
        ? ['X', 'cancelar'][i % 2]
        : s === 'R'
          ? 'R'
          : 'Can I come at 3?';
  const total = Math.min(rate * SECONDS, patients.length);
  const due: { at: number; p: Patient; text: string }[] = [];
  const began = performance.now();
  let next = 0;
  let sent = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const agent = new Agent({ keepAlive: true });
  const url = new URL(`${base}${INBOUND}`);
  const post = (p: Patient, text: string) => {
    const { form, signature } = signed(p, text);
    const req = postForm(agent, url, form, signature)
      .then((status) => {
        if (status >= 200 && status < 300) sent += 1;
        else failed += 1;
      })
      .catch(() => {
        failed += 1;
      })
      .finally(() => inFlight.delete(req));
    inFlight.add(req);
  };
  let giveUpAt = Number.POSITIVE_INFINITY;
  while (next < total || due.length > 0 || offers.read.length > 0 || offers.pending > 0) {
    const now = performance.now() - began;
    if (next === total && due.length === 0 && offers.read.length === 0) {
      // Only offers still to come: as long as the service may take to settle, then no digit.
      giveUpAt = Math.min(giveUpAt, now + SETTLE_MS);
      if (now > giveUpAt) break;
    }
    const target = Math.min(total, Math.floor((now / 1000) * rate));
    for (; next < target; next += 1) {
      const p = patients[next];
      if (p.script === 'R') offers.expect(p, next);
      post(p, body(p.script, next));
    }
    for (const r of offers.read.splice(0)) {
      due.push({ at: r.at - began + DIGIT_DELAY_MS, p: r.p, text: String(1 + (r.i % 2)) });
    }
    while (due.length > 0 && due[0].at <= now) {
      const d = due.shift()!;
      post(d.p, d.text);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return {
    sent,
    failed,
    seconds: (performance.now() - began) / 1000,
    digitsUnsent: offers.pending,
  };
}

/** Waits until `sql` counts nothing open, or the deadline; returns how many are still open. */
async function openAfter(db: Client, sql: string, deadline: number): Promise<number> {
  for (;;) {
    const { rows } = await db.query(sql);
    if (rows[0].open === 0 || performance.now() > deadline) return rows[0].open as number;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const UNPROCESSED = `SELECT count(*)::int AS open FROM webhook_inbox
  WHERE processed_at IS NULL AND failed_at IS NULL`;
/** Every answer handed to the provider (or given up: then the exactly-once check says so). */
const UNSENT = `SELECT count(*)::int AS open FROM messages
  WHERE direction = 'outbound' AND kind = 'workflow_reply' AND status IN ('pending', 'sending')`;

async function walBytes(db: Client): Promise<number> {
  const { rows } = await db.query(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS wal`,
  );
  return rows[0].wal as number;
}

/**
 * With BENCH_STATEMENTS: per table, per text, the sequential scans and the rows they read (a
 * missing index shows here), and the rows updated, how many of them heap-only (HOT: no index
 * entry written).
 */
async function printTableStats(db: Client, texts: number): Promise<void> {
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query(
    `SELECT relname, seq_scan::float8 AS seq, seq_tup_read::float8 AS seq_rows,
            n_tup_ins::float8 AS ins, n_tup_upd::float8 AS upd, n_tup_hot_upd::float8 AS hot
     FROM pg_stat_user_tables WHERE seq_scan + n_tup_ins + n_tup_upd > 0
     ORDER BY n_tup_ins + n_tup_upd DESC LIMIT 12`,
  );
  const per = (v: number) => (v / texts).toFixed(2);
  console.log('tables per text (seq scans / rows they read, inserts, updates / of them HOT):');
  for (const r of rows) {
    console.log(
      `  ${String(r.relname).padEnd(22)} seq ${per(r.seq)} / ${per(r.seq_rows)}, ins ${per(r.ins)}, ` +
        `upd ${per(r.upd)} / HOT ${per(r.hot)}`,
    );
  }
}

/** With BENCH_STATEMENTS: what the WAL written since `from` (a byte position) was made of. */
async function printWalStats(db: Client, from: number, texts: number): Promise<void> {
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  const { rows } = await db.query(
    `SELECT "resource_manager/record_type" AS rm, count::float8 AS n, record_size::float8 AS rec,
            fpi_size::float8 AS fpi
     FROM pg_get_wal_stats(pg_lsn('0/0') + $1::numeric, pg_current_wal_lsn(), false)
     WHERE count > 0 ORDER BY record_size + fpi_size DESC LIMIT 6`,
    [from],
  );
  console.log(
    'WAL per text by kind: ' +
      rows
        .map(
          (r) =>
            `${r.rm} ${(r.n / texts).toFixed(1)} records, ${(r.rec / texts).toFixed(0)} B + ` +
            `${(r.fpi / texts).toFixed(0)} B of page images`,
        )
        .join('; '),
  );
}

/**
 * Counts, every 50 ms on a connection of its own, the backends waiting for a lock (a row or a
 * transaction another holds): hot rows that every reply updates show up here.
 */
function sampleLockWaits(url: string): { stop(): Promise<{ samples: number; waiting: number }> } {
  const c = new Client({ connectionString: url });
  let samples = 0;
  let waiting = 0;
  let stopped = false;
  const loop = (async () => {
    await c.connect();
    while (!stopped) {
      const { rows } = await c.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`,
      );
      samples += 1;
      waiting += rows[0].n as number;
      await new Promise((r) => setTimeout(r, 50));
    }
    await c.end();
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { samples, waiting };
    },
  };
}

interface TransactionStats {
  commits: number;
  rollbacks: number;
  deadlocks: number;
}

async function transactionStats(db: Client): Promise<TransactionStats> {
  // The statistics of this session's snapshot would stay frozen otherwise.
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query(
    `SELECT xact_commit::int AS commits, xact_rollback::int AS rollbacks, deadlocks::int
     FROM pg_stat_database WHERE datname = current_database()`,
  );
  return rows[0] as TransactionStats;
}

/** Every statement run while replying (acks, inbox, answers, sends), per text received. */
async function printStatements(db: Client, texts: number, before: TransactionStats): Promise<void> {
  const after = await transactionStats(db);
  console.log(
    `transactions: ${after.commits - before.commits} committed, ` +
      `${after.rollbacks - before.rollbacks} rolled back, ${after.deadlocks - before.deadlocks} deadlocks`,
  );
  await printStatementsPer(
    db,
    texts,
    'text',
    NESTED ? Math.max(STATEMENTS_TOP, 50) : STATEMENTS_TOP,
  );
}

const quantiles = (col: string) =>
  `1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY ${col})) AS p50,
   1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY ${col})) AS p99,
   1000 * extract(epoch FROM max(${col})) AS max`;

async function main(): Promise<void> {
  console.log(machineLine());
  if (RATES.some((r) => !(r > 0))) throw new Error('BENCH_RATE: rates per second, comma-separated');
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    execFileSync('npx', ['nest', 'build'], { cwd: serviceRoot(), stdio: 'inherit' });
  }
  const results: { rate: number; p99: number; ok: boolean }[] = [];
  for (const rate of RATES) results.push(await runAt(rate));
  if (results.length > 1) {
    for (const r of results) {
      console.log(`${r.rate}/s: p99 ${r.p99.toFixed(1)} ms${r.ok ? '' : ' (run FAILED)'}`);
    }
    const held = results.filter((r) => r.ok && r.p99 < 1000).map((r) => r.rate);
    console.log(
      held.length > 0
        ? `p99 < 1 s held up to ${Math.max(...held)}/s of the rates tried`
        : 'p99 < 1 s held at none of the rates tried',
    );
  }
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

/** One run on a fresh database and service; ok when every reply was applied exactly once. */
async function runAt(rate: number): Promise<{ rate: number; p99: number; ok: boolean }> {
  console.log(`${CLINICS} clinics, ${PATIENTS} patients, ${rate}/s for ${SECONDS} s`);
  const database = await freshDatabase('turnout_replies_bench');
  if (STATEMENTS) await loadStatementStats(database, { nested: NESTED });
  // Not recording: 20,000 kept requests would cost this process memory and GC for nothing.
  const offers = new OfferWatch();
  const twilio = await FakeTwilioServer.start(CREDENTIALS, {
    record: false,
    onAccepted: offers.accepted,
  });
  const service = await startService({
    DATABASE_URL: SOCKET_DIR ? overSocket(database.url, SOCKET_DIR) : database.url,
    ADMIN_TOKEN: ADMIN,
    PUBLIC_BASE_URL,
    TWILIO_API_BASE_URL: twilio.baseUrl,
  });
  const db = new Client({ connectionString: database.url });
  await db.connect();
  let ok = false;
  let p99 = Number.POSITIVE_INFINITY;
  try {
    const perClinic = Math.ceil(PATIENTS / CLINICS);
    const byClinic: Patient[][] = [];
    for (let n = 0; n < CLINICS; n += 1) {
      byClinic.push(
        await setUpClinic(service.baseUrl, db, n + 1, perClinic, (i) => MIX[i % MIX.length]),
      );
    }
    // Interleave the clinics, so the load is spread the way real traffic is, and every prefix
    // of the list has the same mix of scripts. (Sorting by phone number grouped the scripts:
    // the first 37.5% held no unrecognised text at all.)
    const patients: Patient[] = [];
    for (let k = 0; k < perClinic; k += 1) for (const list of byClinic) patients.push(list[k]);
    console.log(`set up ${patients.length} patients; replying...`);
    // The service's backends report their table counts when idle for 10 s at the latest: the
    // set-up's inserts and updates would otherwise land after the reset below, in the run's.
    // Waited before the CPU and WAL readings, so the idle wait is not counted either.
    if (STATEMENTS) await new Promise((resolve) => setTimeout(resolve, 11_000));
    const before = STATEMENTS ? await transactionStats(db) : null;
    const cpuBefore = cpuMs(service.pid);
    const benchCpuBefore = process.cpuUsage();
    const postmaster = await postmasterPid(db);
    const pgCpuBefore = postgresCpuMs(postmaster);
    const walBefore = await walBytes(db);
    if (STATEMENTS) {
      await db.query('SELECT pg_stat_statements_reset()');
      await db.query('SELECT pg_stat_reset()');
    }
    const lockWaits = sampleLockWaits(database.url);
    const run = await replyAtRate(service.baseUrl, patients, rate, offers);
    const deadline = performance.now() + SETTLE_MS;
    const unprocessed = await openAfter(db, UNPROCESSED, deadline);
    const unsent = await openAfter(db, UNSENT, deadline);
    // Before the checks below, whose queries are the bench's, not the service's.
    const serviceCpu = cpuMs(service.pid) - cpuBefore;
    const benchCpuUsed = process.cpuUsage(benchCpuBefore);
    const benchCpu = (benchCpuUsed.user + benchCpuUsed.system) / 1000;
    const pgCpuAfter = postgresCpuMs(postmaster);
    const pgCpu = pgCpuBefore !== null && pgCpuAfter !== null ? pgCpuAfter - pgCpuBefore : null;
    const wal = (await walBytes(db)) - walBefore;
    const waits = await lockWaits.stop();
    if (unprocessed + unsent > 0) {
      console.log(
        `NOT SETTLED ${SETTLE_MS / 1000} s after the last reply: ${unprocessed} replies ` +
          `unprocessed, ${unsent} answers unsent; the figures below are of what was reached`,
      );
    }
    const { rows: applied } = await db.query(
      `SELECT count(*)::int AS n, extract(epoch FROM max(processed_at) - min(received_at)) AS span
       FROM webhook_inbox WHERE kind = 'inbound'`,
    );
    // The k-th text of a patient is answered by the k-th answer to them.
    const { rows: lag } = await db.query(
      `WITH i AS (SELECT patient_id, created_at,
                   row_number() OVER (PARTITION BY patient_id ORDER BY created_at, id) AS k
                 FROM messages WHERE direction = 'inbound'),
            o AS (SELECT patient_id, sent_at,
                   row_number() OVER (PARTITION BY patient_id ORDER BY created_at, id) AS k
                 FROM messages WHERE direction = 'outbound' AND kind = 'workflow_reply')
       SELECT count(*)::int AS answered, ${quantiles('o.sent_at - i.created_at')}
       FROM i JOIN o USING (patient_id, k)`,
    );
    const { rows: base } = await db.query(
      `SELECT ${quantiles('processed_at - received_at')} FROM webhook_inbox WHERE kind = 'inbound'`,
    );
    const { rows: once } = await db.query(
      `SELECT
         (SELECT count(*)::int FROM messages WHERE direction = 'inbound') AS texts,
         (SELECT count(*)::int FROM messages WHERE direction = 'outbound' AND kind = 'workflow_reply') AS answers,
         (SELECT count(*)::int FROM (SELECT appointment_id, event FROM appointment_events
            WHERE source = 'patient' GROUP BY 1, 2 HAVING count(*) > 1) d) AS doubled,
         (SELECT count(*)::int FROM appointment_events WHERE event = 'REPLY_CONFIRM') AS confirms,
         (SELECT count(*)::int FROM appointment_events WHERE event = 'REPLY_CANCEL') AS cancels,
         (SELECT count(*)::int FROM appointment_events WHERE event = 'REPLY_RESCHEDULE') AS reschedules,
         (SELECT count(*)::int FROM appointment_events WHERE event = 'REPLY_SLOT') AS moves,
         (SELECT count(*)::int FROM conversations WHERE reason = 'unrecognized_reply') AS puzzled`,
    );
    const sent = patients.slice(0, Math.min(rate * SECONDS, patients.length));
    const expect = (s: Script) => sent.filter((p) => p.script === s).length;
    const o = once[0];
    ok =
      unprocessed + unsent === 0 &&
      run.digitsUnsent === 0 &&
      o.texts === run.sent &&
      o.answers === o.texts &&
      o.doubled === 0 &&
      o.confirms === expect('C') &&
      o.cancels === expect('X') &&
      o.reschedules === expect('R') &&
      o.moves + 0 <= expect('R') &&
      o.puzzled === expect('?');
    const f = (v: unknown) => `${Number(v).toFixed(1)} ms`;
    console.log(
      `sent ${run.sent} replies (${run.failed} failed) in ${run.seconds.toFixed(1)} s` +
        (run.digitsUnsent > 0 ? ` (${run.digitsUnsent} R never offered: no digit sent)` : '') +
        '; ' +
        `applied ${Math.round(applied[0].n / Number(applied[0].span))}/s`,
    );
    console.log(
      `acknowledged -> answer handed to the provider (${lag[0].answered} answers): p50 ${f(lag[0].p50)}, ` +
        `p99 ${f(lag[0].p99)}, max ${f(lag[0].max)}`,
    );
    console.log(
      `baseline, acknowledged -> inbox event processed: p50 ${f(base[0].p50)}, ` +
        `p99 ${f(base[0].p99)}, max ${f(base[0].max)}; ratio p99 ` +
        `${(Number(lag[0].p99) / Number(base[0].p99)).toFixed(2)}`,
    );
    console.log(
      `exactly once: ${o.texts} texts, ${o.answers} answers, confirms ${o.confirms}/${expect('C')}, ` +
        `cancels ${o.cancels}/${expect('X')}, reschedules ${o.reschedules}/${expect('R')} ` +
        `(moved ${o.moves}; a digit that lost its slot gets a fresh offer), unrecognised ` +
        `${o.puzzled}/${expect('?')}, repeated events ${o.doubled} -> ${ok ? 'OK' : 'MISMATCH'}`,
    );
    console.log(
      `service CPU: ${(serviceCpu / o.texts).toFixed(2)} ms per text ` +
        '(acknowledging, processing, answering, sending; user + system)' +
        (pgCpu === null
          ? ''
          : `; PostgreSQL CPU: ${(pgCpu / o.texts).toFixed(2)} ms per text (all its processes, ` +
            'the polls for settling included)') +
        `; this bench process: ${(benchCpu / o.texts).toFixed(2)} ms per text (load generator, ` +
        'fake Twilio, polls; it shares the cores)',
    );
    console.log(
      `WAL: ${(wal / o.texts).toFixed(0)} B per text; backends waiting on a lock: ` +
        `${waits.waiting} in ${waits.samples} samples (every 50 ms, while replying and settling)`,
    );
    if (before) await printStatements(db, o.texts, before);
    if (STATEMENTS) {
      await printTableStats(db, o.texts);
      await printWalStats(db, walBefore, o.texts).catch((e: Error) =>
        console.log(`WAL per text by kind: not read (${e.message})`),
      );
    }
    p99 = Number(lag[0].p99);
    if (p99 >= 1000) console.log(`MISSED: p99 ${f(p99)} >= 1 s at ${rate}/s`);
  } finally {
    await db.end();
    await service.stop();
    await twilio.stop();
    await database.stop();
  }
  return { rate, p99, ok };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
