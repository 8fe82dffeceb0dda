import { FakeProvider } from '../../src/messaging/providers/fake.provider';
import { ProviderError, type SmsProvider } from '../../src/messaging/providers/sms-provider.port';
import { ProviderRegistry } from '../../src/messaging/provider-registry';
import { dispatcherOf, upload } from '../support/dispatch-helpers';
import { createClinic, uniquePhone } from '../support/factories';
import { twilioInbound } from '../support/provider-webhooks';
import { startTestApp, TestApp } from '../support/test-app';

/** The sample value of one series in a Prometheus text scrape, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

// Early 2025: before any other spec's rows, so this test's reminder is the backlog's oldest.
const BOOKED_AT = '2025-01-02T15:00:00Z';
const STARTS_AT = '2025-01-10T09:30:00-06:00';
const P2D_DUE = Date.parse('2025-01-08T15:30:00Z');

describe('/metrics, as dashboards expect it', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: BOOKED_AT });
  });
  afterAll(() => t.close());

  it('names the process metrics as stock Node.js dashboards do, and Turnout’s own turnout_*', async () => {
    const res = await t.http.get('/metrics').expect(200);
    expect(res.text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(res.text).toMatch(/^nodejs_heap_size_total_bytes \d/m);
    expect(res.text).not.toContain('turnout_process_');
    const names = [...res.text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    for (const name of names) expect(name).toMatch(/^(turnout_|process_|nodejs_)/);
  });

  it('reports the backlog: reminders due and not sent, and how long the oldest has waited', async () => {
    const c = await createClinic(t);
    const scrapeAt = P2D_DUE + 10 * 60_000;
    t.clock.set(new Date(scrapeAt).toISOString());
    const before = (await t.http.get('/metrics').expect(200)).text;
    t.clock.set(BOOKED_AT);
    await upload(t, c, { startsAt: STARTS_AT });
    t.clock.set(new Date(scrapeAt).toISOString());
    const after = (await t.http.get('/metrics').expect(200)).text;
    // The P2D reminder is due; the PT2H one (2025-01-10) is not yet.
    expect(sample(after, 'turnout_reminders_backlog')).toBe(
      sample(before, 'turnout_reminders_backlog')! + 1,
    );
    expect(sample(after, 'turnout_reminders_backlog_oldest_age_seconds')).toBe(600);
  });

  it('counts sends by provider, outcome and the provider’s error code', async () => {
    const registry = t.app.get(ProviderRegistry);
    const real = new FakeProvider();
    const refusing: SmsProvider = Object.assign(Object.create(real) as SmsProvider, {
      send: () =>
        Promise.reject(
          new ProviderError('permanent', 'fake: invalid number', '21211', undefined, 400),
        ),
    });
    const c = await createClinic(t);
    t.clock.set(BOOKED_AT);
    await upload(t, c, { startsAt: STARTS_AT });
    await upload(t, c, { startsAt: STARTS_AT });
    const series = (outcome: string, code: string) =>
      `turnout_provider_sends_total{provider="fake",outcome="${outcome}",code="${code}"}`;
    const before = (await t.http.get('/metrics').expect(200)).text;

    t.clock.set(new Date(P2D_DUE + 1000).toISOString());
    registry.replace('fake', refusing);
    try {
      await dispatcherOf(t).tick();
    } finally {
      registry.replace('fake', real);
    }
    await dispatcherOf(t).tick();
    const after = (await t.http.get('/metrics').expect(200)).text;
    const refused =
      (sample(after, series('permanent', '21211')) ?? 0) -
      (sample(before, series('permanent', '21211')) ?? 0);
    expect(refused).toBeGreaterThanOrEqual(2);
  });

  it('times HTTP requests by route template and status', async () => {
    const c = await createClinic(t);
    const a = await upload(t, c, { startsAt: STARTS_AT });
    await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
    await t.http.get('/v1/clinic').expect(401);
    await t.http.get('/no/such/path').expect(404);
    const text = (await t.http.get('/metrics').expect(200)).text;
    const count = (labels: string) =>
      sample(text, `turnout_http_request_duration_seconds_count{${labels}}`);
    expect(count('method="GET",route="/v1/appointments/:id",status="200"')).toBeGreaterThanOrEqual(
      1,
    );
    expect(count('method="GET",route="/v1/clinic",status="401"')).toBeGreaterThanOrEqual(1);
    expect(count('method="GET",route="unmatched",status="404"')).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(a.id);
  });

  it('times provider webhooks too, by their route and status (they bypass Nest’s pipeline)', async () => {
    const token = 'metrics-twilio-token';
    const c = await createClinic(t, {
      provider: { type: 'twilio', accountSid: `AC${'3'.repeat(32)}`, authToken: token },
    });
    const route = 'method="POST",route="/webhooks/twilio/inbound"';
    const series = (status: number) =>
      `turnout_http_request_duration_seconds_count{${route},status="${status}"}`;
    const before = (await t.http.get('/metrics').expect(200)).text;
    for (const [key, status] of [
      [token, 200],
      ['not-the-token', 403],
    ] as const) {
      const call = twilioInbound(key, c.body.senderNumber as string, uniquePhone(), 'C');
      await t.http
        .post(call.path)
        .set('Content-Type', call.contentType)
        .set(call.headers)
        .send(call.body)
        .expect(status);
    }
    const after = (await t.http.get('/metrics').expect(200)).text;
    for (const status of [200, 403]) {
      expect((sample(after, series(status)) ?? 0) - (sample(before, series(status)) ?? 0)).toBe(1);
    }
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  const METRICS_TOKEN = 'metrics-token-0123456789';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN } });
  });
  afterAll(() => t.close());

  it('wants the token', async () => {
    await t.http.get('/metrics').expect(401);
    await t.http.get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789').expect(401);
    const res = await t.http
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`)
      .expect(200);
    expect(res.text).toContain('process_cpu_seconds_total');
  });
});
