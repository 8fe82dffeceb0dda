/**
 * npm run bench:replies
 *
 * Starts the built service on a fresh database with BENCH_CLINICS Twilio clinics and
 * BENCH_PATIENTS patients (spread over them), each with an upcoming appointment whose reminder
 * was sent, and open slots for every practitioner. Then patients reply as validly signed Twilio
 * inbound webhooks at BENCH_RATE/s for BENCH_SECONDS: each patient follows one script, C, X,
 * R then a digit (BENCH_DIGIT_DELAY_MS later), or an unrecognised text, so every text has
 * exactly one answer. Reports replies applied per second and, per reply, webhook acknowledged
 * -> answer handed to the provider (p50/p99/max; the provider is a local Twilio wire server,
 * every clinic allowed 10 texts/s), next to the baseline of the same run: acknowledged -> inbox
 * event processed, what the plain webhook inbox costs. Finally checks in the database that
 * each reply was applied exactly once.
 *
 * Defaults are the full size (50 clinics, 20,000 patients, 200/s for 60 s); use
 * BENCH_CLINICS=5 BENCH_PATIENTS=1000 BENCH_RATE=50 BENCH_SECONDS=10 on a shared machine.
 * Goal: p99 under 1 s at 200/s; raise BENCH_RATE to find where that stops holding.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { normalizePhone } from '../src/common/phone/phone';
import { twilioSignature } from '../src/messaging/providers/twilio-signature';
import { FakeTwilioServer } from '../test/support/fake-twilio.server';
import { freshDatabase } from './support/database';
import { startService } from './support/service';

const CLINICS = Number(process.env.BENCH_CLINICS ?? 50);
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const DIGIT_DELAY_MS = Number(process.env.BENCH_DIGIT_DELAY_MS ?? 3_000);
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

function phone(prefix: string, n: number): string {
  for (let i = 0; ; i++) {
    const candidate = `${prefix}${2 + ((n + i) % 8)}${String(100_000 + ((n * 7919 + i) % 900_000))}`;
    if (normalizePhone(candidate, 'US') === candidate) return candidate;
  }
}

/** A clinic, its patients' appointments (reminder marked sent) and open slots. */
async function setUpClinic(
  base: string,
  db: Client,
  n: number,
  patientCount: number,
  script: (i: number) => Script,
): Promise<Patient[]> {
  const sender = phone('+1773', n);
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
  const phones = new Set<string>();
  while (phones.size < patientCount) phones.add(phone('+1312', n * 100_000 + phones.size * 13));
  const list = [...phones];
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

/** Sends the replies at RATE/s; a digit follows its R after DIGIT_DELAY_MS. */
async function replyAtRate(
  base: string,
  patients: Patient[],
): Promise<{ sent: number; failed: number; seconds: number }> {
  const body = (s: Script, i: number) =>
    s === 'C'
      ? ['yes!', 'C', 'ok 👍'][i % 3]
      : s === 'X'
        ? ['X', 'cancelar'][i % 2]
        : s === 'R'
          ? 'R'
          : 'Can I come at 3?';
  const total = Math.min(RATE * SECONDS, patients.length);
  const due: { at: number; p: Patient; text: string }[] = [];
  const began = performance.now();
  let next = 0;
  let sent = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const post = (p: Patient, text: string) => {
    const { form, signature } = signed(p, text);
    const req = fetch(`${base}${INBOUND}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': signature,
      },
      body: form,
    })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.ok) sent += 1;
        else failed += 1;
      })
      .catch(() => {
        failed += 1;
      })
      .finally(() => inFlight.delete(req));
    inFlight.add(req);
  };
  while (next < total || due.length > 0) {
    const now = performance.now() - began;
    const target = Math.min(total, Math.floor((now / 1000) * RATE));
    for (; next < target; next += 1) {
      const p = patients[next];
      post(p, body(p.script, next));
      if (p.script === 'R') due.push({ at: now + DIGIT_DELAY_MS, p, text: String(1 + (next % 2)) });
    }
    while (due.length > 0 && due[0].at <= now) {
      const d = due.shift()!;
      post(d.p, d.text);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inFlight);
  return { sent, failed, seconds: (performance.now() - began) / 1000 };
}

async function waitSettled(db: Client, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS open FROM webhook_inbox WHERE processed_at IS NULL AND failed_at IS NULL`,
    );
    if (rows[0].open === 0) return;
    if (performance.now() > deadline) throw new Error(`${rows[0].open} replies still unprocessed`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every answer handed to the provider (or given up: then the exactly-once check says so). */
async function waitSent(db: Client, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS open FROM messages
       WHERE direction = 'outbound' AND kind = 'workflow_reply' AND status IN ('pending', 'sending')`,
    );
    if (rows[0].open === 0) return;
    if (performance.now() > deadline) throw new Error(`${rows[0].open} answers still unsent`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const quantiles = (col: string) =>
  `1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY ${col})) AS p50,
   1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY ${col})) AS p99,
   1000 * extract(epoch FROM max(${col})) AS max`;

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
  );
  console.log(`${CLINICS} clinics, ${PATIENTS} patients, ${RATE}/s for ${SECONDS} s`);
  execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
  const database = await freshDatabase('turnout_replies_bench');
  const twilio = await FakeTwilioServer.start(CREDENTIALS);
  const service = await startService({
    DATABASE_URL: database.url,
    ADMIN_TOKEN: ADMIN,
    PUBLIC_BASE_URL,
    TWILIO_API_BASE_URL: twilio.baseUrl,
  });
  const db = new Client({ connectionString: database.url });
  await db.connect();
  let ok = false;
  try {
    const perClinic = Math.ceil(PATIENTS / CLINICS);
    const patients: Patient[] = [];
    for (let n = 0; n < CLINICS; n += 1) {
      patients.push(
        ...(await setUpClinic(service.baseUrl, db, n + 1, perClinic, (i) => SCRIPTS[i % 4])),
      );
    }
    // Interleave the clinics, so the load is spread the way real traffic is.
    patients.sort((a, b) => a.phone.localeCompare(b.phone));
    console.log(`set up ${patients.length} patients; replying...`);
    const run = await replyAtRate(service.baseUrl, patients);
    await waitSettled(db, 300_000);
    await waitSent(db, 300_000);
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
    const sent = patients.slice(0, Math.min(RATE * SECONDS, patients.length));
    const expect = (s: Script) => sent.filter((p) => p.script === s).length;
    const o = once[0];
    ok =
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
      `sent ${run.sent} replies (${run.failed} failed) in ${run.seconds.toFixed(1)} s; ` +
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
    if (Number(lag[0].p99) >= 1000) console.log(`MISSED: p99 ${f(lag[0].p99)} >= 1 s at ${RATE}/s`);
  } finally {
    await db.end();
    await service.stop();
    await twilio.stop();
    await database.stop();
  }
  if (!ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
