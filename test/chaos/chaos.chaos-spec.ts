import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLAIMS_IN_FLIGHT } from '../../src/outbound/outbound-dispatcher.service';
import { createClinic, TestClinic } from '../support/factories';
import { twilioInbound } from '../support/provider-webhooks';
import { RecordingTwilioServer, type ReceivedSms } from '../support/recording-twilio.server';
import {
  ServiceProcess,
  startServiceProcess,
  stopServiceProcess,
} from '../support/service-process';
import { ADMIN_TOKEN, startTestApp, TestApp } from '../support/test-app';
import { PUBLIC_BASE_URL } from '../support/webhooks';

/**
 * `npm run test:chaos` (issue 12, point 1): three service processes on one database and a fake
 * Twilio that records every request; 10,000 reminders coming due within a minute and 2,000
 * patients' replies arriving as signed webhooks; every 2 s one process is killed with SIGKILL
 * and started again. Counted at the end from the provider's log and the database: no reminder
 * lost, no reply lost or applied twice, no answer sent twice, and duplicate reminders within
 * kills x what one process may hold. Sizes can be lowered (CHAOS_REMINDERS, CHAOS_REPLIES).
 */
const REMINDERS = Number(process.env.CHAOS_REMINDERS ?? 10_000);
const REPLIES = Number(process.env.CHAOS_REPLIES ?? 2_000);
const PROCESSES = 3;
const CLINICS = 5;
const KILL_EVERY_MS = 2_000;
const CREDENTIALS = { accountSid: `AC${'c4a05000'.repeat(4)}`, authToken: 'chaos-token' };
/**
 * The pipeline's settings in the children: the bound on duplicates is computed from them. A
 * process claims two batches as soon as it starts and, killed a few seconds later, strands what
 * it had not sent (written as message rows, settled `unknown` after the lease, claimed again):
 * batches of 20 rather than 50 strand less, and keep the bound tighter.
 */
const BATCH = 20;
const CONCURRENCY = 16;
const LEASE_MS = 4_000;
/** Texts one process may hold at once: claimed batches waiting for permits, and those sending. */
const IN_FLIGHT = CLAIMS_IN_FLIGHT * BATCH + CONCURRENCY;

type Role = 'C' | 'X' | 'R' | 'U';
/** Per 10 repliers: C, X and unrecognised reply once; R then picks slot 1 of the offer. */
const MIX: Role[] = ['C', 'C', 'C', 'X', 'X', 'U', 'U', 'R', 'R', 'R'];

describe('chaos: three processes killed one every 2 s under load', () => {
  let t: TestApp;
  let recorder: RecordingTwilioServer;
  const places = Array.from({ length: PROCESSES }, () => ({
    service: null as ServiceProcess | null,
    upSince: 0,
  }));
  const children: ServiceProcess[] = [];

  beforeAll(async () => {
    recorder = await RecordingTwilioServer.start();
    t = await startTestApp({ now: new Date().toISOString() });
  });
  afterAll(async () => {
    for (const s of children) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await t.close();
    await recorder.stop();
  });

  it(
    'loses nothing, applies each reply once and sends no answer twice',
    async () => {
      const clinics: TestClinic[] = [];
      for (let i = 0; i < CLINICS; i++) {
        clinics.push(
          await createClinic(t, {
            provider: { type: 'twilio', ...CREDENTIALS },
            sendRatePerSecond: 1000,
            quietHours: null,
          }),
        );
      }
      const ids = clinics.map((c) => c.id);
      const env = {
        DATABASE_URL: process.env.DATABASE_URL!,
        ADMIN_TOKEN,
        PUBLIC_BASE_URL,
        TWILIO_API_BASE_URL: recorder.baseUrl,
        DISPATCH_INTERVAL_MS: '50',
        INBOX_INTERVAL_MS: '50',
        // As short as the dispatch lease: a killed process's claimed events wait this long.
        INBOX_LEASE_MS: String(LEASE_MS),
        DISPATCH_BATCH_SIZE: String(BATCH),
        DISPATCH_CONCURRENCY: String(CONCURRENCY),
        DISPATCH_LEASE_MS: String(LEASE_MS),
        LOG_LEVEL: 'error',
      };
      // Spawn to ready (/health/ready answers, the loops are claiming) of every start.
      const startMs: number[] = [];
      const start = async (place: (typeof places)[number]) => {
        const spawned = Date.now();
        const s = await startServiceProcess(env, { compiled: true });
        startMs.push(Date.now() - spawned);
        children.push(s);
        place.service = s;
        place.upSince = Date.now();
      };
      await Promise.all(places.map(start));

      // Numbers +1312 2300001 and up: valid NANP (an exchange starting with 1 is not, and a text
      // from such a number is acknowledged and ignored, never a reply).
      // Reminders due over the next minute; every appointment has its own practitioner, and the
      // repliers who will ask to reschedule three open slots with theirs.
      const perClinic = Math.ceil(REMINDERS / CLINICS);
      const repliers = Math.round(REPLIES / 1.3);
      const roleOf = new Map<string, Role>();
      const senderOf = new Map<string, string>();
      // The seeded reminders are those created by this transaction (now() is its start): a
      // rescheduled appointment gets reminders of its own, due days later.
      const seededAt = await t.ds.transaction(async (m) => {
        for (const [c, clinic] of clinics.entries()) {
          const n = Math.min(perClinic, REMINDERS - c * perClinic);
          await m.query(
            `WITH p AS (
             INSERT INTO patients (clinic_id, phone, name)
             SELECT $1, '+1312' || ($2::int * 1000000 + 300000 + n)::text, 'Patient ' || n
             FROM generate_series(1, $3) AS n RETURNING id
           ), a AS (
             INSERT INTO appointments (clinic_id, external_id, patient_id, starts_at, ends_at,
               duration_minutes, practitioner)
             SELECT $1, 'CH-' || p.id, p.id, now() + interval '1 day',
                    now() + interval '1 day 30 minutes', 30, 'Dr. ' || p.id
             FROM p RETURNING id, starts_at
           )
           INSERT INTO reminders (clinic_id, appointment_id, "offset", planned_for, due_at,
             run_at, status)
           SELECT $1, a.id, 'P1D', a.starts_at, now() + d.s, now() + d.s, 'pending'
           FROM a, LATERAL (SELECT random() * interval '60 seconds' AS s) d`,
            [clinic.id, c + 2, n],
          );
        }
        for (let i = 0; i < repliers; i++) {
          const c = i % CLINICS;
          const phone = `+1312${(c + 2) * 1_000_000 + 300_000 + 1 + Math.floor(i / CLINICS)}`;
          const role = MIX[i % MIX.length];
          roleOf.set(phone, role);
          senderOf.set(phone, clinics[c].body.senderNumber as string);
          if (role !== 'R') continue;
          await m.query(
            `INSERT INTO slots (clinic_id, practitioner, starts_at, ends_at, duration_minutes)
           SELECT a.clinic_id, a.practitioner, a.starts_at + k * interval '1 day',
                  a.ends_at + k * interval '1 day', 30
           FROM appointments a JOIN patients p ON p.id = a.patient_id,
                generate_series(2, 4) AS k
           WHERE p.clinic_id = $1 AND p.phone = $2`,
            [clinics[c].id, phone],
          );
        }
        // As text: a Date would drop the microseconds, and created_at would be later than it.
        const [{ at }] = await m.query<{ at: string }[]>('SELECT now()::text AS at');
        return at;
      });

      // Patients answer once their reminder is in the database as sent (a reply is linked to the
      // appointment whose reminder went last); R-patients pick slot 1 once the offer reaches them.
      const firstBody = new Map<string, string>();
      const reminded = new Set<string>();
      const offered = new Set<string>();
      recorder.onAccepted = (sms: ReceivedSms) => {
        if (!roleOf.has(sms.to)) return;
        const first = firstBody.get(sms.to);
        if (first === undefined) {
          firstBody.set(sms.to, sms.body);
          reminded.add(sms.to);
        } else if (sms.body !== first && roleOf.get(sms.to) === 'R' && !offered.has(sms.to)) {
          offered.add(sms.to);
          queue.push({ phone: sms.to, text: '1', sid: sid('d', sms.to) });
        }
      };
      // Message sids are unique across runs: the inbox takes a provider's retry of a sid it has
      // stored (for any clinic) as a duplicate, as it should.
      const run = randomBytes(4).toString('hex');
      const sid = (kind: string, phone: string) =>
        `SM${run}${kind}${phone.slice(1).padStart(23, '0')}`;
      const textOf: Record<Role, string> = { C: 'C', X: 'X', R: 'R', U: 'maybe later?' };
      const queue: { phone: string; text: string; sid: string }[] = [];
      const delivered = new Set<string>();
      const webhookAnswers = new Map<number, number>();
      let posting = 0;
      let stopped = false;

      const releaseReplies = async () => {
        while (!stopped) {
          const waiting = [...reminded];
          if (waiting.length > 0) {
            const rows: { phone: string }[] = await t.ds.query(
              `SELECT p.phone FROM reminders r JOIN appointments a ON a.id = r.appointment_id
               JOIN patients p ON p.id = a.patient_id
             WHERE r.clinic_id = ANY($1::uuid[]) AND r.status = 'sent' AND p.phone = ANY($2)`,
              [ids, waiting],
            );
            for (const { phone } of rows) {
              reminded.delete(phone);
              const text = textOf[roleOf.get(phone)!];
              queue.push({ phone, text, sid: sid('a', phone) });
            }
          }
          await sleep(500);
        }
      };
      const postWebhooks = async () => {
        while (!stopped) {
          const live = places.flatMap((p) => (p.service ? [p.service] : []));
          if (queue.length === 0 || live.length === 0) {
            await sleep(50);
            continue;
          }
          const next = queue.shift()!;
          posting += 1;
          const target = live[Math.floor(Math.random() * live.length)];
          const call = twilioInbound(
            CREDENTIALS.authToken,
            senderOf.get(next.phone)!,
            next.phone,
            next.text,
            next.sid,
          );
          const status = await fetch(`${target.url}${call.path}`, {
            method: 'POST',
            headers: { 'Content-Type': call.contentType, ...call.headers },
            body: call.body,
            signal: AbortSignal.timeout(10_000),
          }).then(
            (res) => res.status,
            () => 0,
          );
          webhookAnswers.set(status, (webhookAnswers.get(status) ?? 0) + 1);
          // As a provider does: anything but a 2xx is sent again later.
          if (status === 200) {
            delivered.add(next.sid);
            posting -= 1;
          } else {
            setTimeout(() => {
              queue.push(next);
              posting -= 1;
            }, 200);
          }
        }
      };

      // Every 2 s the longest-running live process is killed and a new one started in its place.
      let kills = 0;
      let skipped = 0;
      const restarts: Promise<void>[] = [];
      const killer = async () => {
        while (!stopped) {
          await sleep(KILL_EVERY_MS);
          if (stopped) break;
          const up = places.filter((p) => p.service !== null);
          if (up.length === 0) {
            skipped += 1;
            continue;
          }
          const victim = up.reduce((a, b) => (b.upSince < a.upSince ? b : a));
          victim.service!.child.kill('SIGKILL');
          victim.service = null;
          kills += 1;
          restarts.push(start(victim).catch(() => start(victim)));
        }
      };

      const began = Date.now();
      const running = [releaseReplies(), postWebhooks(), postWebhooks(), postWebhooks(), killer()];
      const replySids = () => [...delivered];
      const deadline = began + 8 * 60_000;
      let progress = { sent: 0, processed: 0 };
      // Where the time goes: a line a minute of what has been reached.
      const timeline: string[] = [];
      let nextMark = began + 60_000;
      while (Date.now() < deadline) {
        if (Date.now() >= nextMark) {
          nextMark += 60_000;
          timeline.push(
            `  ${Math.round((Date.now() - began) / 1000)} s: ${progress.sent} reminders sent, ` +
              `${delivered.size} replies acknowledged, ${progress.processed} processed, ` +
              `${queue.length + posting} waiting to be posted, ${kills} kills`,
          );
        }
        [progress] = await t.ds.query(
          `SELECT (SELECT count(*)::int FROM reminders WHERE clinic_id = ANY($1::uuid[])
                  AND created_at <= $2 AND status = 'sent') AS sent,
                (SELECT count(*)::int FROM webhook_inbox WHERE clinic_id = ANY($1::uuid[])
                  AND processed_at IS NOT NULL) AS processed`,
          [ids, seededAt],
        );
        const allReminded = reminded.size === 0 && roleOf.size === firstBody.size;
        if (progress.sent === REMINDERS && allReminded && Date.now() - began > 60_000) {
          // Settled when no text is still on its way and every reply is in and processed (an R
          // whose offer a kill lost mid-send will not pick: its patient got nothing to answer).
          const [{ open }] = await t.ds.query(
            `SELECT count(*)::int AS open FROM messages WHERE clinic_id = ANY($1::uuid[])
             AND direction = 'outbound' AND status = 'pending'`,
            [ids],
          );
          const [{ done }] = await t.ds.query(
            `SELECT count(*)::int AS done FROM webhook_inbox WHERE clinic_id = ANY($1::uuid[])
             AND processed_at IS NOT NULL`,
            [ids],
          );
          if (open === 0 && queue.length === 0 && posting === 0 && done === delivered.size) break;
        }
        await sleep(1_000);
      }
      stopped = true;
      await Promise.all(running);
      await Promise.all(restarts);
      const chaosMs = Date.now() - began;
      await Promise.all(places.flatMap((p) => (p.service ? [stopServiceProcess(p.service)] : [])));

      // --- reminders: counted from the provider's log
      const reminderTexts = recorder.received.filter(
        (sms) => !roleOf.has(sms.to) || sms.body === firstBody.get(sms.to),
      );
      const reminderRecipients = new Set(reminderTexts.map((s) => s.to));
      const duplicates = reminderTexts.length - reminderRecipients.size;
      const [db] = await t.ds.query(
        `SELECT (SELECT count(*)::int FROM reminders WHERE clinic_id = ANY($1::uuid[])
                 AND created_at <= $2) AS reminders,
              (SELECT count(*)::int FROM reminders WHERE clinic_id = ANY($1::uuid[])
                 AND created_at <= $2 AND status = 'sent') AS sent,
              (SELECT count(*)::int FROM messages WHERE clinic_id = ANY($1::uuid[])
                 AND direction = 'outbound' AND status = 'unknown') AS unknown`,
        [ids, seededAt],
      );

      // --- replies: each stored once, processed once, applied once
      const sids = replySids();
      const [replies] = await t.ds.query(
        `SELECT count(*)::int AS rows, count(DISTINCT provider_message_id)::int AS distinct_sids
       FROM messages WHERE clinic_id = ANY($1::uuid[]) AND direction = 'inbound'
         AND provider_message_id = ANY($2::text[])`,
        [ids, sids],
      );
      const [inbox] = await t.ds.query(
        `SELECT count(*)::int AS rows, count(*) FILTER (WHERE processed_at IS NOT NULL)::int AS done
       FROM webhook_inbox WHERE clinic_id = ANY($1::uuid[]) AND event_key = ANY($2::text[])`,
        [ids, sids],
      );
      // Every inbox event of the run (replies and status callbacks): what is left open or dead,
      // and how often the most unlucky one was claimed and attempted (a claim lost to a kill is not
      // an attempt).
      const [inboxEnd] = await t.ds.query(
        `SELECT count(*) FILTER (WHERE processed_at IS NULL AND failed_at IS NULL)::int AS open,
              count(*) FILTER (WHERE failed_at IS NOT NULL)::int AS dead,
              coalesce(max(claims), 0)::int AS max_claims,
              coalesce(max(attempts), 0)::int AS max_attempts
       FROM webhook_inbox WHERE clinic_id = ANY($1::uuid[])`,
        [ids],
      );
      const events: { phone: string; event: string; n: number }[] = await t.ds.query(
        `SELECT p.phone, e.event, count(*)::int AS n FROM appointment_events e
       JOIN appointments a ON a.id = e.appointment_id JOIN patients p ON p.id = a.patient_id
       WHERE e.clinic_id = ANY($1::uuid[]) AND e.source = 'patient'
       GROUP BY p.phone, e.event`,
        [ids],
      );
      const applied = new Map<string, number>();
      for (const e of events) applied.set(`${e.phone} ${e.event}`, e.n);
      const appliedTwice = events.filter((e) => e.n > 1).length;
      const picked = [...offered];
      const expected: [string, string][] = [];
      for (const [phone, role] of roleOf) {
        if (role === 'C') expected.push([phone, 'REPLY_CONFIRM']);
        if (role === 'X') expected.push([phone, 'REPLY_CANCEL']);
        if (role === 'R') expected.push([phone, 'REPLY_RESCHEDULE']);
      }
      for (const phone of picked) expected.push([phone, 'REPLY_SLOT']);
      const missing = expected.filter(([phone, event]) => applied.get(`${phone} ${event}`) !== 1);

      // --- answers: never two texts for one answer row
      const answerRows: { phone: string; n: number; lost: number }[] = await t.ds.query(
        `SELECT to_number AS phone, count(*)::int AS n,
              count(*) FILTER (WHERE status = 'unknown')::int AS lost
       FROM messages WHERE clinic_id = ANY($1::uuid[]) AND direction = 'outbound'
         AND kind = 'workflow_reply'
       GROUP BY to_number`,
        [ids],
      );
      const answersOf = new Map(answerRows.map((r) => [r.phone, r.n]));
      const answerTexts = recorder.received.filter(
        (sms) => roleOf.has(sms.to) && sms.body !== firstBody.get(sms.to),
      );
      const answersAt = new Map<string, number>();
      for (const sms of answerTexts) answersAt.set(sms.to, (answersAt.get(sms.to) ?? 0) + 1);
      const answeredTwice = [...answersAt].filter(([phone, n]) => n > (answersOf.get(phone) ?? 0));
      const answersLost = answerRows.reduce((sum, r) => sum + r.lost, 0);

      const bound = kills * IN_FLIGHT;
      const sorted = [...startMs].sort((a, b) => a - b);
      const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
      const asked = [...roleOf.values()].filter((r) => r === 'R').length;
      const offersLost = asked - offered.size;
      const planned = roleOf.size + asked;
      console.log(
        [
          `chaos: ${REMINDERS} reminders, ${sids.length} replies, ${PROCESSES} processes, ` +
            `${kills} SIGKILLs in ${Math.round(chaosMs / 1000)} s (${skipped} ticks with none up); ` +
            `${startMs.length} starts, spawn to ready median ${pct(0.5)} ms, p90 ${pct(0.9)} ms`,
          `reminders: ${db.sent}/${db.reminders} sent, ${reminderRecipients.size} patients reached ` +
            `at the provider, ${reminderTexts.length} reminder texts, duplicates ${duplicates} ` +
            `(bound ${bound} = ${kills} kills x ${IN_FLIGHT} in flight: ${CLAIMS_IN_FLIGHT} x ` +
            `batch ${BATCH} + concurrency ${CONCURRENCY}); ${db.unknown} texts settled unknown`,
          `replies: ${replies.rows} stored (${replies.distinct_sids} distinct), inbox ` +
            `${inbox.done}/${inbox.rows} processed, ${expected.length} changes expected, ` +
            `${missing.length} missing, ${appliedTwice} applied twice; webhook answers ` +
            `${JSON.stringify(Object.fromEntries(webhookAnswers))}`,
          `inbox at the end: ${inboxEnd.open} open, ${inboxEnd.dead} dead, most claims of one ` +
            `event ${inboxEnd.max_claims}, most attempts ${inboxEnd.max_attempts}`,
          `answers: ${answerTexts.length} at the provider for ${answerRows.reduce((s, r) => s + r.n, 0)} ` +
            `answer rows, ${answeredTwice.length} sent twice, ${answersLost} settled unknown ` +
            `(sent or not: lost to a kill mid-send), ${offersLost} of ${asked} offers never received`,
          'progress:',
          ...timeline,
        ].join('\n'),
      );

      expect(db).toMatchObject({ reminders: REMINDERS, sent: REMINDERS });
      expect(reminderRecipients.size).toBe(REMINDERS);
      expect(duplicates).toBeLessThanOrEqual(bound);
      // each duplicate is a send whose outcome a kill swallowed: its row was settled unknown
      expect(duplicates).toBeLessThanOrEqual(db.unknown);
      expect(replies).toEqual({ rows: sids.length, distinct_sids: sids.length });
      expect(inbox).toEqual({ rows: sids.length, done: sids.length });
      expect(appliedTwice).toBe(0);
      expect(missing).toEqual([]);
      expect(answeredTwice).toEqual([]);
      expect(answersLost).toBeLessThanOrEqual(bound);
      expect(offersLost).toBeLessThanOrEqual(answersLost);
      expect(sids.length).toBe(planned - offersLost);
    },
    12 * 60_000,
  );
});
