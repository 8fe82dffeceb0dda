import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseLink } from '../support/database-link';
import { createClinic, TestClinic } from '../support/factories';
import { twilioInbound } from '../support/provider-webhooks';
import { RecordingTwilioServer } from '../support/recording-twilio.server';
import {
  ServiceProcess,
  startServiceProcess,
  stopServiceProcess,
} from '../support/service-process';
import { ADMIN_TOKEN, startTestApp, TestApp } from '../support/test-app';
import { PUBLIC_BASE_URL } from '../support/webhooks';

const CREDENTIALS = { accountSid: `AC${'0u7a6e00'.repeat(4)}`, authToken: 'outage-token' };
const REMINDERS = 1_000;
const REPLIES = 150;
const CONCURRENCY = 16;
const OUTAGE_MS = 4_000;
const LEASE_MS = 12_000;
const APPLICATION = 'turnout_outage_test';

/**
 * The database goes away in the middle of dispatch and of webhook intake, as in a restart: the
 * service's backends are terminated and new connections refused for a few seconds. The service
 * keeps running, says 503 on readiness and on webhooks meanwhile (so providers retry), comes
 * back by itself, and loses nothing.
 */
describe('database restart under load', () => {
  let t: TestApp;
  let recorder: RecordingTwilioServer;
  let link: DatabaseLink;
  let service: ServiceProcess;
  let clinic: TestClinic;

  beforeAll(async () => {
    recorder = await RecordingTwilioServer.start();
    t = await startTestApp({ now: new Date().toISOString() });
    link = await DatabaseLink.start(process.env.DATABASE_URL!);
    service = await startServiceProcess({
      DATABASE_URL: link.urlFor(process.env.DATABASE_URL!, APPLICATION),
      ADMIN_TOKEN,
      PUBLIC_BASE_URL,
      TWILIO_API_BASE_URL: recorder.baseUrl,
      DISPATCH_INTERVAL_MS: '50',
      INBOX_INTERVAL_MS: '50',
      DISPATCH_CONCURRENCY: String(CONCURRENCY),
      // an outcome write is retried for half a lease: 6 s outlasts the 4 s outage
      DISPATCH_LEASE_MS: String(LEASE_MS),
      LOG_LEVEL: 'error',
    });
    clinic = await createClinic(t, {
      provider: { type: 'twilio', ...CREDENTIALS },
      sendRatePerSecond: 1000,
      quietHours: null,
    });
  }, 90_000);
  afterAll(async () => {
    await stopServiceProcess(service);
    await link.down();
    await t.close();
    await recorder.stop();
  });

  async function cutDatabase(): Promise<void> {
    // as a restart does: the server ends its clients' sessions, then refuses connections
    await link.down();
    await t.ds.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
      [APPLICATION],
    );
  }

  it('keeps running, answers 503 meanwhile, reconnects by itself and loses nothing', async () => {
    const sender = clinic.body.senderNumber as string;
    await t.ds.query(
      `WITH p AS (
         INSERT INTO patients (clinic_id, phone, name)
         SELECT $1, '+1312' || (7000000 + n)::text, 'Patient ' || n FROM generate_series(1, $2) n
         RETURNING id
       ), a AS (
         INSERT INTO appointments (clinic_id, external_id, patient_id, starts_at, ends_at,
           duration_minutes)
         SELECT $1, 'DB-' || p.id, p.id, now() + interval '1 day',
                now() + interval '1 day 30 minutes', 30
         FROM p RETURNING id, starts_at
       )
       INSERT INTO reminders (clinic_id, appointment_id, "offset", planned_for, due_at, run_at,
         status)
       SELECT $1, a.id, 'P1D', a.starts_at, now(), now(), 'pending' FROM a`,
      [clinic.id, REMINDERS],
    );

    // Webhooks arrive all along, as a provider retries them: a 503 is sent again later.
    const answers = new Map<number, number>();
    const pending = Array.from({ length: REPLIES }, (_, i) => i);
    const sids = pending.map((i) => `SM${String(i).padStart(32, '0')}`);
    let stopWebhooks = false;
    const webhooks = (async () => {
      while (!stopWebhooks && pending.length > 0) {
        const i = pending.shift()!;
        const call = twilioInbound(
          CREDENTIALS.authToken,
          sender,
          `+1312${8000000 + i}`,
          'C',
          sids[i],
        );
        const res = await fetch(`${service.url}${call.path}`, {
          method: 'POST',
          headers: { 'Content-Type': call.contentType, ...call.headers },
          body: call.body,
        }).catch(() => undefined);
        const status = res?.status ?? 0;
        answers.set(status, (answers.get(status) ?? 0) + 1);
        if (status !== 200) {
          pending.push(i);
          await sleep(100);
        } else {
          await sleep(10);
        }
      }
    })();

    // the outage begins while reminders are going out
    const begun = Date.now() + 30_000;
    while (recorder.received.length < REMINDERS / 5 && Date.now() < begun) await sleep(20);
    const sentBefore = recorder.received.length;
    expect(sentBefore).toBeLessThan(REMINDERS);
    await cutDatabase();
    const during: Record<string, number[]> = { live: [], ready: [], webhook: [] };
    const outageEnds = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEnds) {
      during.live.push((await fetch(`${service.url}/health`)).status);
      const ready = await fetch(`${service.url}/health/ready`);
      during.ready.push(ready.status);
      const call = twilioInbound(CREDENTIALS.authToken, sender, '+13129999999', 'C');
      const res = await fetch(`${service.url}${call.path}`, {
        method: 'POST',
        headers: { 'Content-Type': call.contentType, ...call.headers },
        body: call.body,
      });
      during.webhook.push(res.status);
      if (res.status === 503) expect(res.headers.get('retry-after')).toBe('5');
      await sleep(250);
    }
    const sentDuring = recorder.received.length - sentBefore;
    await link.up();
    expect(service.child.exitCode).toBeNull();
    expect(new Set(during.live)).toEqual(new Set([200]));
    // the first probe may still have found a connection alive; then 503s until the end
    expect(during.ready.filter((s) => s !== 503).length).toBeLessThanOrEqual(1);
    expect(during.ready.slice(-3)).toEqual([503, 503, 503]);
    expect(during.webhook.filter((s) => s !== 503 && s !== 200)).toEqual([]);
    expect(during.webhook.slice(-3)).toEqual([503, 503, 503]);

    // back by itself
    const backBy = Date.now() + 20_000;
    let ready = 0;
    while (Date.now() < backBy) {
      ready = (await fetch(`${service.url}/health/ready`)).status;
      if (ready === 200) break;
      await sleep(100);
    }
    expect(ready).toBe(200);

    // nothing lost: every reminder sent, every webhook stored once and processed
    const deadline = Date.now() + 100_000;
    let state = { sent: 0, inbox: 0, processed: 0 };
    while (Date.now() < deadline) {
      [state] = await t.ds.query(
        `SELECT (SELECT count(*)::int FROM reminders WHERE clinic_id = $1 AND status = 'sent') AS sent,
                (SELECT count(*)::int FROM webhook_inbox WHERE clinic_id = $1
                   AND event_key = ANY($2::text[])) AS inbox,
                (SELECT count(*)::int FROM webhook_inbox WHERE clinic_id = $1
                   AND event_key = ANY($2::text[]) AND processed_at IS NOT NULL) AS processed`,
        [clinic.id, sids],
      );
      if (state.sent === REMINDERS && pending.length === 0 && state.processed === REPLIES) break;
      await sleep(250);
    }
    stopWebhooks = true;
    await webhooks;
    expect(state).toEqual({ sent: REMINDERS, inbox: REPLIES, processed: REPLIES });
    expect(service.child.exitCode).toBeNull();

    // Reminder patients are +13127...; the repliers (+13128..., +13129...) get the workflow's answers.
    const received = recorder.received.filter(
      (sms) => sms.from === sender && sms.to.startsWith('+13127'),
    );
    const perPatient = new Map<string, number>();
    for (const sms of received) perPatient.set(sms.to, (perPatient.get(sms.to) ?? 0) + 1);
    const duplicates = received.length - perPatient.size;
    console.log(
      `database outage of ${OUTAGE_MS} ms: ${sentBefore} reminders sent before, ${sentDuring} ` +
        `during (provider calls already claimed), ${REMINDERS} in all; duplicates ${duplicates}; ` +
        `webhook answers ${JSON.stringify(Object.fromEntries(answers))}`,
    );
    expect(perPatient.size).toBe(REMINDERS);
    // A duplicate is a send the provider took whose outcome the outage kept from being written:
    // when its lease ran out the pipeline settled its message row `unknown` (docs/delivery.md,
    // "At least once") and sent the reminder again, so each duplicate is accounted for by such
    // a row.
    const [{ strays }] = await t.ds.query(
      `SELECT count(*)::int AS strays FROM messages
       WHERE clinic_id = $1 AND direction = 'outbound' AND status IN ('unknown', 'pending')`,
      [clinic.id],
    );
    console.log(`database outage: ${duplicates} duplicates, ${strays} unknown or pending rows`);
    expect(duplicates).toBeLessThanOrEqual(strays);
    // Outcome writes that failed during the outage were retried until the database came back,
    // within the lease: no send's outcome was lost, so none was sent again. (Before the retry,
    // runs counted 2 to 105 duplicates here.)
    expect(duplicates).toBe(0);
    expect([...answers.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
  }, 200_000);
});
