import { setTimeout as sleep } from 'node:timers/promises';
import { Clock, SystemClock } from '../../src/common/clock/clock';
import { appointmentInput, createClinic, uniquePhone } from '../support/factories';
import { RecordingTwilioServer } from '../support/recording-twilio.server';
import { startTestApp, TestApp } from '../support/test-app';
import { signedTwilio, twilioSid } from '../support/webhooks';

const CREDENTIALS = { accountSid: `AC${'5e1f0a77'.repeat(4)}`, authToken: 'priority-token' };
const QUEUED = 300;

/**
 * Real seconds at a real provider's wire format, with the service's own loops running on the
 * system clock: the webhook's commit wakes the inbox, whose answer wakes the pipeline.
 */
describe('an answer to a patient goes ahead of the sender’s queued reminders', () => {
  let recorder: RecordingTwilioServer;
  let t: TestApp;

  beforeAll(async () => {
    recorder = await RecordingTwilioServer.start();
    t = await startTestApp({
      env: {
        TWILIO_API_BASE_URL: recorder.baseUrl,
        // Safety nets only: signals wake both loops.
        DISPATCH_INTERVAL_MS: '2000',
        INBOX_INTERVAL_MS: '2000',
      },
      override: (b) => b.overrideProvider(Clock).useValue(new SystemClock()),
    });
    // On the real clock, what other spec files left pending on their manual clocks (days
    // before today's date or after) would be due now and sent first: set it aside.
    await t.ds.query(`UPDATE reminders SET status = 'cancelled' WHERE status = 'pending'`);
    await t.ds.query(
      `UPDATE messages SET status = 'expired' WHERE status = 'pending' AND direction = 'outbound'`,
    );
  });
  afterAll(async () => {
    await t.close();
    await recorder.stop();
  });

  it(`answers HELP within about one slot at 1 text/s, with ${QUEUED} reminders queued`, async () => {
    const clinic = await createClinic(t, {
      provider: { type: 'twilio', ...CREDENTIALS },
      sendRatePerSecond: 1,
      keywordReplies: 'turnout',
      quietHours: null,
      reminderOffsets: ['P1D'],
    });
    const sender = clinic.body.senderNumber as string;
    // Booked three hours ahead: too late for P1D, so each gets one catch-up, due now.
    const startsAt = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const appointments = Array.from({ length: QUEUED }, () =>
      appointmentInput({ startsAt, patient: { name: 'Ana', phone: uniquePhone() } }),
    );
    await t.http.post('/v1/appointments/batch').set(clinic.auth).send({ appointments }).expect(200);

    const started = Date.now();
    while (recorder.from(sender).length < 3 && Date.now() - started < 30_000) await sleep(50);
    expect(recorder.from(sender).length).toBeGreaterThanOrEqual(3);

    const patient = uniquePhone();
    const params = { MessageSid: twilioSid(), From: patient, To: sender, Body: 'HELP' };
    const signed = signedTwilio(CREDENTIALS.authToken, '/webhooks/twilio/inbound', params);
    await t.http
      .post('/webhooks/twilio/inbound')
      .type('form')
      .set('X-Twilio-Signature', signed.signature)
      .send(signed.body)
      .expect(200);
    const askedAt = Date.now();

    const deadline = askedAt + 10_000;
    const answer = () => recorder.from(sender).find((sms) => sms.to === patient);
    while (!answer() && Date.now() < deadline) await sleep(20);
    const answered = answer();
    expect(answered?.body).toContain('Reply STOP to opt out');
    // At most the slot already handed out goes first (1.1 s apart at 1/s, plus margin).
    expect(answered!.at - askedAt).toBeLessThan(2_500);
    const before = recorder.from(sender).filter((sms) => sms.at < answered!.at);
    expect(before.length).toBeLessThan(QUEUED / 10);
    // (The cap itself, measured at the provider, is the rate-cap spec's: arrival times here
    // carry this loaded test process's own stalls.)
  });
});
