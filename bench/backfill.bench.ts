/**
 * npm run bench:backfill
 *
 * Starts the built service on a fresh database with BENCH_CLINICS Twilio clinics (backfill on,
 * no quiet hours, 10 texts/s each) and BENCH_PATIENTS waitlisted patients spread over them and
 * their practitioners. Then BENCH_SLOTS slots are freed (uploaded as open time, one request each)
 * evenly within BENCH_SPREAD_SECONDS, across the clinics. Every patient who is offered a slot
 * (the offer reaching the local Twilio wire server) answers `1` as a validly signed inbound
 * webhook BENCH_REPLY_DELAY_MS later: a wave offers a slot to several patients at once, so
 * several replies come for each slot; for one slot in BENCH_RACING_EVERY (default 2) all of
 * them are sent at the same instant, racing. Reports
 *  - freeing -> the first wave's offer handed to the provider, per slot (p50/p99/max),
 *  - the winning reply (webhook received) -> its answer handed to the provider (p50/p99/max),
 *  - service CPU per freed slot,
 *  - how many replies reached each booked slot, and how many of them raced (settled within
 *    100 ms of each other),
 * and asserts from the database that every slot was booked at most once (no two appointments
 * from the waitlist at one time, no freed slot's time held by two live appointments, each
 * slot's booking at its time, no patient offered one slot twice), with exactly one "booked"
 * answer per booking and every webhook accepted. Goals: both p99 under 1 s.
 *
 * Defaults are the full size (50 clinics, 20,000 patients, 1,000 slots in 60 s); on a
 * shared machine use e.g. BENCH_CLINICS=5 BENCH_PATIENTS=1000 BENCH_SLOTS=60
 * BENCH_SPREAD_SECONDS=15. BENCH_SKIP_BUILD=1 skips `nest build`.
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

const CLINICS = Number(process.env.BENCH_CLINICS ?? 50);
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 20_000);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 1_000);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_SECONDS ?? 60) * 1000;
const REPLY_DELAY_MS = Number(process.env.BENCH_REPLY_DELAY_MS ?? 2_000);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 120) * 1000;
const WAVE_SIZE = Number(process.env.BENCH_WAVE_SIZE ?? 5);
/** Of every RACING_EVERY slots, one gets its replies in a burst (all at once); 0: none. */
const RACING_EVERY = Number(process.env.BENCH_RACING_EVERY ?? 2);
const PRACTITIONERS = 10;
const ADMIN = 'bench-admin-token-0123456789';
const CREDENTIALS = { accountSid: 'ACbench0000000000000000000000000', authToken: 'bench-token' };
const PUBLIC_BASE_URL = 'https://bench.turnout.test';
const INBOUND = '/webhooks/twilio/inbound';

interface BenchClinic {
  id: string;
  apiKey: string;
  sender: string;
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (t: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function setUpClinic(base: string, n: number, patients: number): Promise<BenchClinic> {
  const sender = benchPhone('+1773', n);
  const created = (await api(base, '/v1/clinics', ADMIN, {
    name: `Bench ${n}`,
    timezone: 'America/Chicago',
    senderNumber: sender,
    provider: { type: 'twilio', ...CREDENTIALS },
    sendRatePerSecond: 10,
    quietHours: null,
    backfill: { enabled: true, waveSize: WAVE_SIZE, waveMinutes: 10, minNoticeMinutes: 60 },
  })) as { id: string; apiKey: string };
  await inParallel(
    patientPhones(n, patients).map((p, i) => ({ p, i })),
    4,
    async ({ p, i }) => {
      await api(base, '/v1/waitlist', created.apiKey, {
        patient: { phone: p },
        practitioner: `Dr. ${i % PRACTITIONERS}`,
        priority: i % 3,
      });
    },
  );
  return { id: created.id, apiKey: created.apiKey, sender };
}

/** Whether the replies to this slot's offers are sent together (stable per slot). */
function racing(key: string): boolean {
  if (RACING_EVERY <= 0) return false;
  let h = 0;
  for (let i = 0; i < key.length; i += 1) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % RACING_EVERY === 0;
}

function signedReply(clinic: BenchClinic, from: string): { form: string; signature: string } {
  const params = {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    AccountSid: CREDENTIALS.accountSid,
    From: from,
    To: clinic.sender,
    Body: '1',
    NumMedia: '0',
  };
  return {
    form: new URLSearchParams(params).toString(),
    signature: twilioSignature(CREDENTIALS.authToken, `${PUBLIC_BASE_URL}${INBOUND}`, params),
  };
}

const quantiles = (col: string) =>
  `count(*)::int AS n,
   1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY ${col})) AS p50,
   1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY ${col})) AS p99,
   1000 * extract(epoch FROM max(${col})) AS max`;

const ms = (v: unknown) => (v === null ? '-' : `${Number(v).toFixed(0)} ms`);

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(
    `${CLINICS} clinics, ${PATIENTS} waitlisted patients, ${SLOTS} slots freed in ` +
      `${SPREAD_MS / 1000} s, waves of ${WAVE_SIZE}, every offered patient replies 1 ` +
      `${REPLY_DELAY_MS} ms after the offer` +
      (RACING_EVERY > 0
        ? ` (for 1 slot in ${RACING_EVERY}, all of its patients at the same instant)`
        : ''),
  );
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    execFileSync('npx', ['nest', 'build'], { cwd: serviceRoot(), stdio: 'inherit' });
  }
  const database = await freshDatabase('turnout_backfill_bench');
  console.log(`database: ${database.description}`);
  const agent = new Agent({ keepAlive: true });
  const clinicOf = new Map<string, BenchClinic>();
  const inFlight = new Set<Promise<unknown>>();
  const bursts = new Map<string, { from: string[]; fired: boolean }>();
  let replies = 0;
  let refused = 0;
  let service: Awaited<ReturnType<typeof startService>> | null = null;
  // Each offer reaching the provider is answered `1` by its patient, a moment later.
  const twilio = await FakeTwilioServer.start(CREDENTIALS, {
    record: false,
    onAccepted: (to, body) => {
      const clinic = clinicOf.get(to);
      if (!clinic || !service || !body.includes('Reply 1 to book')) return;
      const url = new URL(`${service.baseUrl}${INBOUND}`);
      const answer = async (from: string) => {
        const { form, signature } = signedReply(clinic, from);
        const status = await postForm(agent, url, form, signature).catch(() => 0);
        if (status === 200) replies += 1;
        else refused += 1;
      };
      // The offer's text names its slot: one wave of one slot is one key.
      const key = `${clinic.id} ${body}`;
      let timer: Promise<void>;
      if (racing(key)) {
        // Every patient offered this slot answers at the same instant, REPLY_DELAY_MS after
        // the first of them was offered: their webhooks race.
        const burst = bursts.get(key);
        if (burst && !burst.fired) {
          burst.from.push(to);
          return;
        }
        const next = { from: [to], fired: false };
        bursts.set(key, next);
        timer = new Promise<void>((r) => setTimeout(r, REPLY_DELAY_MS)).then(async () => {
          next.fired = true;
          await Promise.all(next.from.map(answer));
        });
      } else {
        timer = new Promise<void>((r) => setTimeout(r, REPLY_DELAY_MS)).then(() => answer(to));
      }
      inFlight.add(timer);
      void timer.finally(() => inFlight.delete(timer));
    },
  });
  service = await startService({
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
    const clinics: BenchClinic[] = [];
    for (let n = 1; n <= CLINICS; n += 1) {
      const clinic = await setUpClinic(service.baseUrl, n, perClinic);
      clinics.push(clinic);
    }
    const { rows: patientRows } = await db.query<{ phone: string; clinic_id: string }>(
      'SELECT phone, clinic_id FROM patients',
    );
    const byId = new Map(clinics.map((c) => [c.id, c]));
    for (const p of patientRows) clinicOf.set(p.phone, byId.get(p.clinic_id)!);
    console.log(`set up ${patientRows.length} waitlisted patients; freeing slots...`);

    // Slots two days ahead, half-hour steps per practitioner, round-robin over the clinics.
    const day = 86_400_000;
    const start = Math.ceil(Date.now() / day) * day + 2 * day;
    const postmaster = await postmasterPid(db);
    const cpuBefore = cpuMs(service.pid);
    const pgCpuBefore = postgresCpuMs(postmaster);
    const began = performance.now();
    for (let k = 0; k < SLOTS; k += 1) {
      const at = began + (k * SPREAD_MS) / SLOTS;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const clinic = clinics[k % clinics.length];
      const step = Math.floor(k / clinics.length);
      const upload = api(service.baseUrl, '/v1/slots/batch', clinic.apiKey, {
        slots: [
          {
            practitioner: `Dr. ${step % PRACTITIONERS}`,
            startsAt: new Date(start + Math.floor(step / PRACTITIONERS) * 1_800_000).toISOString(),
            durationMinutes: 30,
          },
        ],
      });
      inFlight.add(upload);
      void upload.finally(() => inFlight.delete(upload));
    }
    // Settled: every slot booked or out of patients, and no reply left unanswered.
    const deadline = performance.now() + SETTLE_MS;
    for (;;) {
      await Promise.all([...inFlight]);
      const { rows } = await db.query<{ open: number }>(
        `SELECT (SELECT count(*)::int FROM webhook_inbox
                  WHERE processed_at IS NULL AND failed_at IS NULL)
              + (SELECT count(*)::int FROM messages WHERE direction = 'outbound'
                  AND status IN ('pending', 'sending'))
              + (SELECT count(*)::int FROM slots WHERE next_wave_at <= now()) AS open`,
      );
      if ((rows[0].open === 0 && inFlight.size === 0) || performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const serviceCpu = cpuMs(service.pid) - cpuBefore;
    const pgCpuAfter = postgresCpuMs(postmaster);
    const pgCpu = pgCpuBefore === null || pgCpuAfter === null ? null : pgCpuAfter - pgCpuBefore;

    const { rows: wave } = await db.query(
      `WITH first AS (
         SELECT s.id, s.freed_at, min(m.sent_at) AS sent_at
         FROM slots s
         JOIN waitlist_offers o ON o.slot_id = s.id AND o.wave = 1
         JOIN messages m ON m.patient_id = o.patient_id AND m.kind = 'backfill_offer'
           AND m.created_at BETWEEN o.created_at AND o.created_at + interval '5 seconds'
         WHERE s.freed_at IS NOT NULL AND m.sent_at IS NOT NULL
         GROUP BY s.id, s.freed_at)
       SELECT ${quantiles('sent_at - freed_at')} FROM first`,
    );
    const { rows: answer } = await db.query(
      `WITH won AS (
         SELECT o.patient_id, o.closed_at, s.booked_appointment_id
         FROM waitlist_offers o JOIN slots s ON s.id = o.slot_id
         WHERE o.closed_reason = 'booked'),
       -- A patient may text several times (an offer for each of several slots): the winning
       -- reply is their last text received before the booking, its answer the one about the
       -- appointment the booking made.
       pair AS (
         SELECT (SELECT max(i.created_at) FROM messages i
                 WHERE i.patient_id = won.patient_id AND i.direction = 'inbound'
                   AND i.created_at <= won.closed_at) AS received,
                (SELECT min(a.sent_at) FROM messages a
                 WHERE a.appointment_id = won.booked_appointment_id
                   AND a.kind = 'workflow_reply' AND a.body LIKE '%you are booked%') AS answered
         FROM won)
       SELECT ${quantiles('answered - received')} FROM pair WHERE answered IS NOT NULL`,
    );
    const { rows: once } = await db.query(
      `SELECT
         (SELECT count(*)::int FROM slots WHERE freed_at IS NOT NULL) AS freed,
         (SELECT count(*)::int FROM slots WHERE freed_at IS NOT NULL
            AND booked_appointment_id IS NOT NULL) AS booked,
         (SELECT count(*)::int FROM appointments WHERE filled_from IS NOT NULL) AS made,
         (SELECT count(*)::int FROM (SELECT clinic_id, practitioner, starts_at FROM appointments
            WHERE filled_from IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) d) AS twice,
         (SELECT count(*)::int FROM messages WHERE kind = 'workflow_reply'
            AND body LIKE '%you are booked%') AS booked_answers,
         (SELECT count(*)::int FROM messages WHERE kind = 'workflow_reply'
            AND body LIKE '%just taken%') AS taken_answers,
         (SELECT count(*)::int FROM messages WHERE kind = 'backfill_offer') AS offers,
         (SELECT count(*)::int FROM (SELECT slot_id, entry_id FROM waitlist_offers
            GROUP BY 1, 2 HAVING count(*) > 1) d) AS offered_twice,
         -- the time itself, whoever booked it: no freed slot with two live appointments
         (SELECT count(*)::int FROM slots s WHERE s.freed_at IS NOT NULL AND (
            SELECT count(*) FROM appointments a
            WHERE a.clinic_id = s.clinic_id AND a.practitioner = s.practitioner
              AND a.occupies_time
              AND tstzrange(a.starts_at, a.ends_at, '[)')
                  && tstzrange(s.starts_at, s.ends_at, '[)')) > 1) AS held_twice,
         -- bookings whose slot row names another appointment than the one at its time
         (SELECT count(*)::int FROM slots s JOIN appointments a ON a.id = s.booked_appointment_id
            WHERE s.freed_at IS NOT NULL AND a.starts_at <> s.starts_at) AS misbooked`,
    );
    const o = once[0];
    // The replies that reached each booked slot (the winner's and those told it was taken),
    // and how many of those slots had two or more landing within 100 ms of each other.
    const { rows: race } = await db.query(
      `WITH per AS (
         SELECT o.slot_id, count(*)::int AS replies,
                max(o.closed_at) - min(o.closed_at) AS spread
         FROM waitlist_offers o WHERE o.closed_reason IN ('booked', 'taken')
         GROUP BY o.slot_id
         HAVING bool_or(o.closed_reason = 'booked'))
       SELECT count(*)::int AS slots, coalesce(avg(replies), 0)::float AS mean,
              coalesce(max(replies), 0)::int AS max,
              count(*) FILTER (WHERE replies > 1 AND spread < interval '100 ms')::int AS racing
       FROM per`,
    );
    const { rows: tx } = await db.query(
      `SELECT deadlocks::int, xact_rollback::int AS rollbacks FROM pg_stat_database
       WHERE datname = current_database()`,
    );
    console.log(
      `freeing -> first wave handed to the provider: ${wave[0].n} slots, p50 ${ms(wave[0].p50)}, ` +
        `p99 ${ms(wave[0].p99)}, max ${ms(wave[0].max)}  (goal p99 < 1 s)`,
    );
    console.log(
      `winning reply -> its answer handed to the provider: ${answer[0].n} bookings, ` +
        `p50 ${ms(answer[0].p50)}, p99 ${ms(answer[0].p99)}, max ${ms(answer[0].max)}  (goal p99 < 1 s)`,
    );
    console.log(
      `${o.freed} slots freed, ${o.offers} offers texted, ${replies} replies (${refused} refused), ` +
        `${o.booked} booked, ${o.booked_answers} "booked" and ${o.taken_answers} "taken" answers`,
    );
    console.log(
      `replies per booked slot: mean ${Number(race[0].mean).toFixed(1)}, max ${race[0].max}; ` +
        `${race[0].racing} of ${race[0].slots} booked slots had replies settled within 100 ms ` +
        `of each other`,
    );
    console.log(`transactions: ${tx[0].rollbacks} rolled back, ${tx[0].deadlocks} deadlocks`);
    const perSlot = (cpu: number) =>
      `${(cpu / 1000).toFixed(1)} s, ${(cpu / Math.max(1, o.freed)).toFixed(1)} ms per freed slot`;
    console.log(`service CPU: ${perSlot(serviceCpu)}`);
    console.log(
      pgCpu === null
        ? 'PostgreSQL CPU: not measured (not a local server)'
        : `PostgreSQL CPU: ${perSlot(pgCpu)}`,
    );
    ok =
      o.freed === SLOTS &&
      o.twice === 0 &&
      o.held_twice === 0 &&
      o.misbooked === 0 &&
      o.offered_twice === 0 &&
      o.made === o.booked &&
      o.booked_answers === o.booked &&
      refused === 0;
    console.log(
      ok
        ? 'every slot booked at most once, one "booked" answer per booking'
        : `FAILED: ${JSON.stringify({ ...o, refused })}`,
    );
  } finally {
    agent.destroy();
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
