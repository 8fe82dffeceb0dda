import { setTimeout as sleep } from 'node:timers/promises';
import { createClinic, TestClinic } from '../support/factories';
import { maxPerSecond, RecordingTwilioServer } from '../support/recording-twilio.server';
import {
  ServiceProcess,
  startServiceProcess as startService,
  stopServiceProcess as stopService,
} from '../support/service-process';
import { ADMIN_TOKEN, startTestApp, TestApp } from '../support/test-app';

const CREDENTIALS = { accountSid: `AC${'3b0c35e5'.repeat(4)}`, authToken: 'multi-process-token' };
const PROCESSES = 3;
const CLINICS = 5;
const PER_CLINIC = 2_000;
const TOTAL = CLINICS * PER_CLINIC;

/**
 * Several instances on one database: claims with SKIP LOCKED and leases mean each due reminder
 * goes to the provider once, whichever instance takes it.
 */
describe('three service processes on one database', () => {
  let t: TestApp;
  let recorder: RecordingTwilioServer;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    recorder = await RecordingTwilioServer.start();
    t = await startTestApp({ now: new Date().toISOString() });
  });
  afterAll(async () => {
    await Promise.all(services.map(stopService));
    await t.close();
    await recorder.stop();
  });

  it(`hands each of ${TOTAL} due reminders to the provider exactly once`, async () => {
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
    const senders = new Set(clinics.map((c) => c.body.senderNumber as string));

    // Three real processes on the test database, with the dispatcher on a short interval.
    const env = {
      DATABASE_URL: process.env.DATABASE_URL!,
      ADMIN_TOKEN,
      TWILIO_API_BASE_URL: recorder.baseUrl,
      DISPATCH_INTERVAL_MS: '50',
      LOG_LEVEL: 'error',
    };
    // Each kept as soon as it is up, so afterAll stops it even if another fails to start.
    await Promise.all(
      Array.from({ length: PROCESSES }, async () => services.push(await startService(env))),
    );

    // Due now, on the database's clock (the children run on the real one): inserted in bulk only
    // once all three are up, so they compete for every batch.
    await t.ds.transaction(async (m) => {
      for (const [index, clinic] of clinics.entries()) {
        await m.query(
          `WITH p AS (
             INSERT INTO patients (clinic_id, phone, name)
             SELECT $1, '+1312' || ($2::int * 1000000 + 200000 + n)::text, 'Patient ' || n
             FROM generate_series(1, $3) AS n
             RETURNING id
           ), a AS (
             INSERT INTO appointments (clinic_id, external_id, patient_id, starts_at, ends_at,
               duration_minutes)
             SELECT $1, 'MP-' || p.id, p.id, now() + interval '1 day',
                    now() + interval '1 day 30 minutes', 30
             FROM p
             RETURNING id, starts_at
           )
           INSERT INTO reminders (clinic_id, appointment_id, "offset", planned_for, due_at,
             run_at, status)
           SELECT $1, a.id, 'P1D', a.starts_at, now(), now(), 'pending' FROM a`,
          [clinic.id, index + 1, PER_CLINIC],
        );
      }
    });

    const ids = clinics.map((c) => c.id);
    const deadline = Date.now() + 150_000;
    let sent = 0;
    while (Date.now() < deadline) {
      const [row] = await t.ds.query(
        `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent FROM reminders
         WHERE clinic_id = ANY($1::uuid[])`,
        [ids],
      );
      sent = row.sent;
      if (sent === TOTAL) break;
      await sleep(250);
    }
    expect(sent).toBe(TOTAL);
    await Promise.all(services.map(stopService));

    const received = recorder.received.filter((sms) => senders.has(sms.from));
    expect(received).toHaveLength(TOTAL);
    expect(new Set(received.map((sms) => sms.to)).size).toBe(TOTAL);
    for (const sender of senders) {
      expect(
        maxPerSecond(received.filter((sms) => sms.from === sender).map((s) => s.at)),
      ).toBeLessThanOrEqual(1000);
    }

    const [db] = await t.ds.query(
      `SELECT count(*)::int AS reminders,
              count(DISTINCT r.message_id)::int AS linked,
              count(DISTINCT r.leased_by)::int AS instances,
              (SELECT count(*)::int FROM messages m
               WHERE m.clinic_id = ANY($1::uuid[]) AND m.direction = 'outbound') AS messages,
              (SELECT count(*)::int FROM messages m
               WHERE m.clinic_id = ANY($1::uuid[]) AND m.status = 'queued'
                 AND m.provider_message_id IS NOT NULL) AS accepted
       FROM reminders r WHERE r.clinic_id = ANY($1::uuid[]) AND r.status = 'sent'`,
      [ids],
    );
    expect(db).toEqual({
      reminders: TOTAL,
      linked: TOTAL,
      instances: PROCESSES,
      messages: TOTAL,
      accepted: TOTAL,
    });
  }, 240_000);
});
