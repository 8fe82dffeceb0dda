import { setTimeout as sleep } from 'node:timers/promises';
import { createClinic, uniquePhone } from '../support/factories';
import { twilioInbound } from '../support/provider-webhooks';
import { listRoutes, routeName } from '../support/routes';
import { startTestApp, TestApp } from '../support/test-app';

const TOO_MANY = {
  statusCode: 429,
  error: 'Too Many Requests',
  message: [expect.stringContaining('too many requests')],
};

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { API_RATE_LIMIT: '5', SIGN_IN_RATE_LIMIT: '3', WEBHOOK_RATE_LIMIT: '4' },
    });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After to a clinic over its limit, and never slows another clinic', async () => {
    // creating clinics is the operator's: one bucket for the admin token, separate from theirs
    const a = await createClinic(t);
    const b = await createClinic(t);
    for (let i = 0; i < 5; i++) await t.http.get('/v1/clinic').set(a.auth).expect(200);
    const refused = await t.http.get('/v1/appointments').set(a.auth).expect(429);
    expect(refused.body).toEqual(TOO_MANY);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // every route of the API shares the clinic's one bucket
    await t.http.post('/v1/slots/batch').set(a.auth).send({ slots: [] }).expect(429);
    // B is untouched by A's flood, and so are requests without a key (per IP)
    for (let i = 0; i < 5; i++) await t.http.get('/v1/clinic').set(b.auth).expect(200);
    await t.http.get('/v1/clinic').expect(401);
    // probes and metrics are never limited
    for (let i = 0; i < 20; i++) await t.http.get('/health').expect(200);
  });

  it('limits webhooks per sender address, generously, and takes them again after Retry-After', async () => {
    const token = 'rate-limit-twilio-token';
    const c = await createClinic(t, {
      provider: { type: 'twilio', accountSid: `AC${'2'.repeat(32)}`, authToken: token },
    });
    const send = () => {
      const call = twilioInbound(token, c.body.senderNumber as string, uniquePhone(), 'C');
      return t.http
        .post(call.path)
        .set('Content-Type', call.contentType)
        .set(call.headers)
        .send(call.body);
    };
    const count = async () =>
      (
        await t.ds.query('SELECT count(*)::int AS n FROM webhook_inbox WHERE clinic_id = $1', [
          c.id,
        ])
      )[0].n as number;
    // the window opens at the first request: five quick ones fall in one second
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await send());
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBe(4);
    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.body).toEqual(TOO_MANY);
    expect(Number(refused.headers['retry-after'])).toBe(1);
    expect(await count()).toBe(4);
    await sleep(Number(refused.headers['retry-after']) * 1000 + 50);
    await send().expect(200);
    expect(await count()).toBe(5);
  });

  it('limits the console sign-in per address, strictly (when the console is on this build)', async () => {
    if (!listRoutes(t.app).some((r) => routeName(r) === 'POST /v1/console/session')) return;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http.post('/v1/console/session').send({ apiKey: `tk_guess${i}` });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});
