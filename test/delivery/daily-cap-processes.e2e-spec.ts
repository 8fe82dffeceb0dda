import { setTimeout as sleep } from 'node:timers/promises';
import { localDate } from '../../src/common/time/starts-at';
import { createClinic, TestClinic } from '../support/factories';
import { RecordingTwilioServer } from '../support/recording-twilio.server';
import {
  ServiceProcess,
  startServiceProcess as startService,
  stopServiceProcess as stopService,
} from '../support/service-process';
import { ADMIN_TOKEN, startTestApp, TestApp } from '../support/test-app';

const CREDENTIALS = { accountSid: `AC${'5d1c4a7e'.repeat(4)}`, authToken: 'daily-cap-token' };
const PROCESSES = 2;
const CAP = 3;
const PATIENTS = 150;
const PER_PATIENT = 6;
const ZONE = 'America/Chicago';

/**
 * Two real service processes on one database, many routine texts due at once for the same
 * patients: the daily cap holds between them, because the counter each patient's day has is
 * taken from in the statement that writes the text, not remembered by a process.
 */
describe('the per-patient daily cap across two service processes', () => {
  let t: TestApp;
  let recorder: RecordingTwilioServer;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    recorder = await RecordingTwilioServer.start();
    t = await startTestApp({ now: new Date().toISOString() });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => stopService(s)));
    await t.close();
    await recorder.stop();
  });

  it(`lets no patient get more than ${CAP} routine texts a day, whichever process sends them`, async () => {
    const clinic: TestClinic = await createClinic(t, {
      timezone: ZONE,
      provider: { type: 'twilio', ...CREDENTIALS },
      sendRatePerSecond: 1000,
      quietHours: null,
      maxRoutineTextsPerPatientPerDay: CAP,
    });
    const sender = clinic.body.senderNumber as string;
    const env = {
      DATABASE_URL: process.env.DATABASE_URL!,
      ADMIN_TOKEN,
      TWILIO_API_BASE_URL: recorder.baseUrl,
      DISPATCH_INTERVAL_MS: '50',
      // small batches, so each patient's reminders are spread over many claims of both processes
      DISPATCH_BATCH_SIZE: '5',
      LOG_LEVEL: 'error',
    };
    await Promise.all(
      Array.from({ length: PROCESSES }, async () => services.push(await startService(env))),
    );

    // PER_PATIENT appointments two days ahead for each patient, every reminder due now (on the
    // database's clock: the processes run on the real one), inserted once both processes are up,
    // in an order that interleaves the patients.
    await t.ds.query(
      `WITH p AS (
         INSERT INTO patients (clinic_id, phone, name)
         SELECT $1, '+1312' || (7300000 + n)::text, 'Patient ' || n FROM generate_series(1, $2) n
         RETURNING id
       ), a AS (
         INSERT INTO appointments (clinic_id, external_id, patient_id, starts_at, ends_at,
           duration_minutes)
         SELECT $1, 'CAP-' || p.id || '-' || k, p.id, now() + interval '2 days' + k * interval '1 hour',
                now() + interval '2 days 30 minutes' + k * interval '1 hour', 30
         FROM p, generate_series(1, $3) k
         RETURNING id, starts_at
       )
       INSERT INTO reminders (clinic_id, appointment_id, "offset", planned_for, due_at, run_at,
         status)
       SELECT $1, a.id, 'P2D', a.starts_at, now(), now(), 'pending' FROM a ORDER BY random()`,
      [clinic.id, PATIENTS, PER_PATIENT],
    );

    const total = PATIENTS * PER_PATIENT;
    const deadline = Date.now() + 120_000;
    let settled = 0;
    while (Date.now() < deadline) {
      const [row] = await t.ds.query(
        `SELECT count(*) FILTER (WHERE status = 'sent' OR reason = 'patient_daily_cap')::int AS n
         FROM reminders WHERE clinic_id = $1`,
        [clinic.id],
      );
      settled = row.n;
      if (settled === total) break;
      await sleep(200);
    }
    expect(settled).toBe(total);
    await Promise.all(services.map((s) => stopService(s)));

    // What the provider was asked to deliver, per patient and local day: never over the cap,
    // and the cap filled (a counter per process would have let each process send three).
    const received = recorder.received.filter((sms) => sms.from === sender);
    const perDay = new Map<string, number>();
    for (const sms of received) {
      const key = `${sms.to} ${localDate(new Date(sms.at), ZONE)}`;
      perDay.set(key, (perDay.get(key) ?? 0) + 1);
    }
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(CAP);
    expect(new Set(received.map((sms) => sms.to)).size).toBe(PATIENTS);
    expect(received.length).toBeGreaterThanOrEqual(PATIENTS * CAP);

    const [db] = await t.ds.query(
      `SELECT count(*) FILTER (WHERE r.status = 'sent')::int AS sent,
              count(*) FILTER (WHERE r.status = 'pending' AND r.reason = 'patient_daily_cap')::int
                AS waiting,
              (SELECT count(DISTINCT m.leased_by)::int FROM messages m
               WHERE m.clinic_id = $1 AND m.kind = 'reminder') AS instances
       FROM reminders r WHERE r.clinic_id = $1`,
      [clinic.id],
    );
    // Both processes sent some; those over the cap wait for the clinic's next day.
    expect(db.instances).toBe(PROCESSES);
    expect(db.sent).toBe(received.length);
    expect(db.sent + db.waiting).toBe(total);
  }, 200_000);
});
