import { dispatcherOf, messagesOf, remindersOf, upload } from '../support/dispatch-helpers';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { FakeTwilioServer } from '../support/fake-twilio.server';
import { startTestApp, TestApp } from '../support/test-app';

const CREDENTIALS = { accountSid: `AC${'d15a7c4e'.repeat(4)}`, authToken: 'dispatch-test-token' };
const BOOKED_AT = '2026-11-26T15:00:00Z';
// The default appointment's P2D reminder (Tuesday 2026-12-01 09:30 CST, two days before).
const P2D_DUE = '2026-11-29T15:30:00Z';

/** Provider answers as Twilio gives them, from a local server speaking its wire format. */
describe('reminder dispatch against a provider', () => {
  let t: TestApp;
  let twilio: FakeTwilioServer;

  beforeAll(async () => {
    twilio = await FakeTwilioServer.start(CREDENTIALS);
    t = await startTestApp({
      env: { TWILIO_API_BASE_URL: twilio.baseUrl, PROVIDER_TIMEOUT_MS: '300' },
    });
  });
  beforeEach(() => t.clock.set(BOOKED_AT));
  afterAll(async () => {
    await t.close();
    await twilio.stop();
  });

  async function twilioClinic(): Promise<TestClinic> {
    // Retries follow each other within a second of real time: a rate of 1 would defer them.
    return createClinic(t, {
      provider: { type: 'twilio', ...CREDENTIALS },
      sendRatePerSecond: 100,
    });
  }

  function requestsTo(phone: string): URLSearchParams[] {
    return twilio.requests
      .map((r) => new URLSearchParams(r.body))
      .filter((form) => form.get('To') === phone);
  }

  it('retries a 5xx with backoff, then sends, with a status callback and validity period', async () => {
    const c = await twilioClinic();
    const phone = uniquePhone();
    const a = await upload(t, c, { patient: { name: 'Ana', phone } });
    twilio.enqueue({ type: 'error', httpStatus: 503, code: 20503, message: 'Service Unavailable' });
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();

    let [p2d] = await remindersOf(t, a.id);
    expect(p2d).toMatchObject({ status: 'pending', attempts: 1, reason: 'transient:20503' });
    const waited = p2d.run_at.getTime() - Date.parse(P2D_DUE);
    expect(waited).toBeGreaterThanOrEqual(1_000);
    expect(waited).toBeLessThanOrEqual(2_000);
    expect((await messagesOf(t, a.id)).map((m) => [m.status, m.error_code])).toEqual([
      ['failed', '20503'],
    ]);

    t.clock.set(p2d.run_at);
    await dispatcherOf(t).tick();
    [p2d] = await remindersOf(t, a.id);
    expect(p2d).toMatchObject({ status: 'sent', attempts: 2, reason: null });
    const messages = await messagesOf(t, a.id);
    expect(messages.map((m) => m.status)).toEqual(['failed', 'queued']);
    expect(messages[1].provider_message_id).toMatch(/^SM[0-9a-f]{32}$/);

    const sent = requestsTo(phone);
    expect(sent).toHaveLength(2);
    expect(sent[1].get('From')).toBe(c.body.senderNumber);
    expect(sent[1].get('StatusCallback')).toBe('https://turnout.test/webhooks/twilio/status');
    // Two days to the start: Twilio's maximum validity of ten hours applies.
    expect(sent[1].get('ValidityPeriod')).toBe('36000');
  });

  it('waits as long as a 429 asks before trying again', async () => {
    const c = await twilioClinic();
    const a = await upload(t, c);
    twilio.enqueue({
      type: 'error',
      httpStatus: 429,
      code: 20429,
      message: 'Too Many Requests',
      headers: { 'Retry-After': '120' },
    });
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    const [p2d] = await remindersOf(t, a.id);
    expect(p2d).toMatchObject({ status: 'pending', reason: 'rate_limited:20429' });
    expect(p2d.run_at.getTime() - Date.parse(P2D_DUE)).toBeGreaterThanOrEqual(120_000);

    t.clock.set(new Date(Date.parse(P2D_DUE) + 119_000));
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id))[0].status).toBe('pending');
    t.clock.set(p2d.run_at);
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id))[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('retries a provider that does not answer in time', async () => {
    const c = await twilioClinic();
    const a = await upload(t, c);
    twilio.enqueue({ type: 'hang' });
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id))[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      reason: 'transient:timeout',
    });
  });

  it('fails at once on an invalid number, with the reason, and never retries', async () => {
    const c = await twilioClinic();
    const phone = uniquePhone();
    const a = await upload(t, c, { patient: { name: 'Ana', phone } });
    twilio.enqueue({
      type: 'error',
      httpStatus: 400,
      code: 21211,
      message: "The 'To' number is not a valid phone number.",
    });
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    t.clock.set('2026-11-29T18:00:00Z');
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      reason: 'rejected:21211',
    });
    expect((await messagesOf(t, a.id)).map((m) => [m.status, m.error_code])).toEqual([
      ['failed', '21211'],
    ]);
    expect(requestsTo(phone)).toHaveLength(1);
  });

  it('records the opt-out when the provider says the patient unsubscribed', async () => {
    const c = await twilioClinic();
    const phone = uniquePhone();
    const a = await upload(t, c, { patient: { name: 'Ana', phone } });
    twilio.enqueue({
      type: 'error',
      httpStatus: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
    });
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id))[0]).toMatchObject({
      status: 'failed',
      reason: 'opted_out',
    });
    const [patient] = await t.ds.query(
      `SELECT opted_out_at, opt_out_source, opt_out_detail FROM patients
       WHERE clinic_id = $1 AND phone = $2`,
      [c.id, phone],
    );
    expect(patient).toMatchObject({ opt_out_source: 'provider', opt_out_detail: '21610' });
    expect(patient.opted_out_at.toISOString()).toBe(new Date(P2D_DUE).toISOString());

    // The next reminder is not even tried.
    t.clock.set('2026-12-01T14:00:00Z');
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id))[1]).toMatchObject({
      status: 'skipped',
      reason: 'opted_out',
    });
    expect(requestsTo(phone)).toHaveLength(1);
    const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
    expect(view.body.patient.optedOut).toBe(true);
  });

  it('gives up when the next retry would come after the appointment started', async () => {
    const c = await twilioClinic();
    const phone = uniquePhone();
    // Booked at 09:00 for 10:30: one catch-up, due now, with 90 minutes to get through.
    const a = await upload(t, c, {
      patient: { name: 'Ana', phone },
      startsAt: '2026-11-26T10:30:00-06:00',
    });
    let catchUp = (await remindersOf(t, a.id)).find((r) => r.offset === 'catch_up')!;
    for (let i = 0; i < 40 && catchUp.status === 'pending'; i++) {
      twilio.enqueue({ type: 'error', httpStatus: 500, code: 20500, message: 'Internal Error' });
      t.clock.set(catchUp.run_at);
      await dispatcherOf(t).tick();
      catchUp = (await remindersOf(t, a.id)).find((r) => r.offset === 'catch_up')!;
    }
    expect(catchUp.status).toBe('failed');
    expect(catchUp.reason).toBe('gave_up (transient:20500)');
    expect(catchUp.attempts).toBeGreaterThan(5);
    expect(requestsTo(phone)).toHaveLength(catchUp.attempts);
    // Every retry was scheduled before the start; none went out after it.
    expect(catchUp.run_at.getTime()).toBeLessThan(Date.parse('2026-11-26T16:30:00Z'));
  });
});
