import { createHash, randomBytes } from 'node:crypto';
import { CalendarWriteBack } from '../../src/calendar/calendar-write-back.service';
import { CredentialsVault } from '../../src/common/crypto/credentials-vault';
import { resealCredentials } from '../../src/clinics/credentials-rotation';
import { loadConfig } from '../../src/config/app-config';
import { CalendarReceiver } from '../support/calendar-receiver';
import { dispatcherOf, remindersOf, upload } from '../support/dispatch-helpers';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { FakeFlowrouteServer } from '../support/fake-flowroute.server';
import { FakeTwilioServer } from '../support/fake-twilio.server';
import { flowrouteInbound, twilioInbound } from '../support/provider-webhooks';
import { startTestApp, TestApp } from '../support/test-app';

const CREDENTIALS = {
  accountSid: `AC${'5ea1ed00'.repeat(4)}`,
  authToken: `at-rest-${randomBytes(12).toString('hex')}`,
};
const FLOWROUTE = {
  accessKey: 'fr-at-rest-access',
  secretKey: `fr-at-rest-${randomBytes(12).toString('hex')}`,
};
const KEY_1 = randomBytes(32).toString('base64');
const KEY_2 = randomBytes(32).toString('hex');

/**
 * Provider credentials and the clinic's webhook secret sealed at rest with envelope encryption,
 * and rotated to a new key.
 */
describe('provider credentials at rest', () => {
  let twilio: FakeTwilioServer;
  let flowroute: FakeFlowrouteServer;
  let calendar: CalendarReceiver;
  let calendarUrl: string;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    twilio = await FakeTwilioServer.start(CREDENTIALS);
    flowroute = await FakeFlowrouteServer.start(FLOWROUTE);
    calendar = new CalendarReceiver();
    calendarUrl = await calendar.start();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await twilio.stop();
    await flowroute.stop();
    await calendar.stop();
  });

  async function clinicOn(t: TestApp): Promise<TestClinic> {
    return createClinic(t, {
      provider: { type: 'twilio', ...CREDENTIALS },
      sendRatePerSecond: 100,
      calendarWebhookUrl: calendarUrl,
    });
  }

  async function storedWebhookSecret(t: TestApp, id: string): Promise<Record<string, string>> {
    const [row] = await t.ds.query('SELECT webhook_secret FROM clinics WHERE id = $1', [id]);
    return row.webhook_secret;
  }

  /** A staff cancellation reaches the calendar signed with the secret shown at creation. */
  async function signsCalendarEvents(t: TestApp, c: TestClinic): Promise<void> {
    const a = await upload(t, c, { patient: { name: 'Ana', phone: uniquePhone() } });
    await t.http
      .patch(`/v1/appointments/${a.id}`)
      .set(c.auth)
      .send({ status: 'cancelled' })
      .expect(200);
    calendar.secret = c.webhookSecret;
    const service = t.app.get(CalendarWriteBack);
    // (other specs' events in the shared database may be delivered too)
    while ((await service.runOnce()) > 0);
    const mine = calendar.events.filter((e) => e.appointmentId === a.id);
    expect(mine.map((e) => [e.type, e.signatureValid])).toEqual([['appointment.cancelled', true]]);
  }

  async function app(keys: Record<string, string>): Promise<TestApp> {
    const t = await startTestApp({
      env: {
        TWILIO_API_BASE_URL: twilio.baseUrl,
        FLOWROUTE_API_BASE_URL: flowroute.baseUrl,
        PROVIDER_TIMEOUT_MS: '2000',
        ...keys,
      },
    });
    apps.push(t);
    return t;
  }

  async function storedRow(t: TestApp, id: string): Promise<string> {
    const [row] = await t.ds.query('SELECT c::text AS row FROM clinics c WHERE id = $1', [id]);
    return row.row;
  }

  async function stored(t: TestApp, id: string): Promise<Record<string, string>> {
    const [row] = await t.ds.query('SELECT provider_credentials FROM clinics WHERE id = $1', [id]);
    return row.provider_credentials;
  }

  /** A reminder sent through the provider: its wire server checks Basic auth with the token. */
  async function sendsThroughProvider(t: TestApp, c: TestClinic): Promise<void> {
    t.clock.set('2026-11-26T15:00:00Z');
    const a = await upload(t, c, { patient: { name: 'Ana', phone: uniquePhone() } });
    t.clock.set('2026-11-29T15:30:00Z');
    await dispatcherOf(t).tick();
    const [p2d] = await remindersOf(t, a.id);
    expect(p2d.status).toBe('sent');
  }

  async function webhookAccepted(t: TestApp, c: TestClinic): Promise<void> {
    const call = twilioInbound(
      CREDENTIALS.authToken,
      c.body.senderNumber as string,
      uniquePhone(),
      'C',
    );
    await t.http
      .post(call.path)
      .set('Content-Type', call.contentType)
      .set(call.headers)
      .send(call.body)
      .expect(200);
  }

  it('stores no secret in the clear, returns none, and still sends and checks signatures', async () => {
    const t = await app({ CREDENTIALS_KEY: KEY_1 });
    const c = await clinicOn(t);
    const row = await storedRow(t, c.id);
    expect(row).not.toContain(CREDENTIALS.authToken);
    expect(row).not.toContain(CREDENTIALS.accountSid);
    expect(c.webhookSecret).toMatch(/^whsec_/);
    expect(row).not.toContain(c.webhookSecret);
    const sealedShape = {
      sealed: 'aes-256-gcm/v1',
      kid: expect.stringMatching(/^[0-9a-f]{16}$/),
      key: expect.any(String),
      data: expect.any(String),
    };
    expect(await stored(t, c.id)).toEqual(sealedShape);
    expect(await storedWebhookSecret(t, c.id)).toEqual(sealedShape);
    await signsCalendarEvents(t, c);
    const view = await t.http.get('/v1/clinic').set(c.auth).expect(200);
    expect(JSON.stringify(view.body)).not.toContain(CREDENTIALS.authToken);
    expect(JSON.stringify(c.body)).not.toContain(CREDENTIALS.authToken);
    expect(view.body.provider).toEqual({
      type: 'twilio',
      accountSid: CREDENTIALS.accountSid,
      secretsSet: ['authToken'],
    });
    await sendsThroughProvider(t, c);
    // (other clinics' due reminders in the shared database may reach the server too)
    const basic = `Basic ${Buffer.from(`${CREDENTIALS.accountSid}:${CREDENTIALS.authToken}`).toString('base64')}`;
    expect(twilio.requests.map((r) => r.headers.authorization)).toContain(basic);
    await webhookAccepted(t, c);

    // a new provider setting is sealed too, each record with its own data key
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ provider: { type: 'twilio', ...CREDENTIALS } })
      .expect(200);
    const again = await stored(t, c.id);
    expect(again.sealed).toBe('aes-256-gcm/v1');
    expect(JSON.stringify(again)).not.toContain(CREDENTIALS.authToken);
  });

  it('rotates: the previous key still reads, the rotation re-seals every record, the old key can go', async () => {
    const before = await app({});
    const plain = await clinicOn(before);
    expect(await storedRow(before, plain.id)).toContain(CREDENTIALS.authToken);
    expect(await storedWebhookSecret(before, plain.id)).toEqual({
      webhookSecret: plain.webhookSecret,
    });
    const first = await app({ CREDENTIALS_KEY: KEY_1 });
    const sealedOld = await clinicOn(first);
    const oldKid = (await stored(first, sealedOld.id)).kid;

    // rotation: the new key, and the old one kept for reading
    const env = { CREDENTIALS_KEY: KEY_2, CREDENTIALS_KEY_PREVIOUS: KEY_1 };
    const rotating = await app(env);
    await webhookAccepted(rotating, sealedOld);
    const result = await resealCredentials(rotating.ds, new CredentialsVault(loadConfig(env)));
    expect(result.resealed).toBeGreaterThanOrEqual(2);
    const newKid = (await stored(rotating, sealedOld.id)).kid;
    expect(newKid).not.toBe(oldKid);
    expect((await stored(rotating, plain.id)).kid).toBe(newKid);
    expect((await storedWebhookSecret(rotating, plain.id)).kid).toBe(newKid);
    expect((await storedWebhookSecret(rotating, sealedOld.id)).kid).toBe(newKid);
    expect(await storedRow(rotating, plain.id)).not.toContain(CREDENTIALS.authToken);
    expect(await storedRow(rotating, plain.id)).not.toContain(plain.webhookSecret);
    // running it again changes nothing
    const again = await resealCredentials(rotating.ds, new CredentialsVault(loadConfig(env)));
    expect(again.resealed).toBe(0);

    // the old key retired: both clinics still send and authenticate webhooks
    const after = await app({ CREDENTIALS_KEY: KEY_2 });
    await sendsThroughProvider(after, sealedOld);
    await sendsThroughProvider(after, plain);
    await webhookAccepted(after, plain);
    await signsCalendarEvents(after, plain);
    await signsCalendarEvents(after, sealedOld);
  });

  it("seals a calendar store's token, returns it nowhere, and re-seals it on rotation", async () => {
    const token = `fhir-${uniquePhone()}-token`;
    const first = await app({ CREDENTIALS_KEY: KEY_1 });
    const c = await createClinic(first);
    const res = await first.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({
        calendarStore: {
          type: 'fhir',
          baseUrl: 'http://127.0.0.1:9/fhir',
          auth: { type: 'bearer', token },
        },
      })
      .expect(200);
    expect(JSON.stringify(res.body)).not.toContain(token);
    expect(res.body.calendarStore.secretsSet).toEqual(['token']);
    expect(await storedRow(first, c.id)).not.toContain(token);
    const sealed = async (t: TestApp) =>
      (await t.ds.query('SELECT calendar_store_secret AS s FROM clinics WHERE id = $1', [c.id]))[0]
        .s;
    const oldKid = (await sealed(first)).kid;

    const env = { CREDENTIALS_KEY: KEY_2, CREDENTIALS_KEY_PREVIOUS: KEY_1 };
    const rotating = await app(env);
    await resealCredentials(rotating.ds, new CredentialsVault(loadConfig(env)));
    const after = await sealed(rotating);
    expect(after.kid).not.toBe(oldKid);
    expect(new CredentialsVault(loadConfig({ CREDENTIALS_KEY: KEY_2 })).open(after)).toEqual({
      token,
    });
    expect(await storedRow(rotating, c.id)).not.toContain(token);
  });

  /** Every table and column of the database where `text` appears, as "table" names. */
  async function tablesHolding(t: TestApp, text: string): Promise<string[]> {
    const tables: { name: string }[] = await t.ds.query(
      `SELECT quote_ident(table_name) AS name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const holding: string[] = [];
    for (const { name } of tables) {
      const [hit] = await t.ds.query(
        `SELECT EXISTS (SELECT 1 FROM ${name} x WHERE strpos(x::text, $1) > 0) AS found`,
        [text],
      );
      if (hit.found) holding.push(name);
    }
    return holding;
  }

  it('keeps the Flowroute path secret as a hash for routing and sealed for the dlr_callback: its plaintext is nowhere in the database', async () => {
    const t = await app({ CREDENTIALS_KEY: KEY_1 });
    const c = await createClinic(t, {
      provider: { type: 'flowroute', ...FLOWROUTE },
      sendRatePerSecond: 100,
    });
    const webhooks = c.body.webhooks as { inbound: string; dlr: string };
    const inboundPath = new URL(webhooks.inbound).pathname;
    const secret = inboundPath.split('/')[3];
    expect(secret).toMatch(/^frs_/);
    const [row] = await t.ds.query(
      `SELECT flowroute_path_secret AS stored, flowroute_path_secret_hash AS hash
       FROM clinics WHERE id = $1`,
      [c.id],
    );
    expect(row.hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(row.stored).toEqual({
      sealed: 'aes-256-gcm/v1',
      kid: expect.stringMatching(/^[0-9a-f]{16}$/),
      key: expect.any(String),
      data: expect.any(String),
    });
    expect(await tablesHolding(t, secret)).toEqual([]);

    // the webhook authenticates by its path as before
    const sender = c.body.senderNumber as string;
    const text = flowrouteInbound(inboundPath, sender, uniquePhone(), 'C');
    await t.http.post(text.path).set('Content-Type', text.contentType).send(text.body).expect(200);
    const guess = flowrouteInbound(
      `/webhooks/flowroute/${secret}x/inbound`,
      sender,
      uniquePhone(),
      'C',
    );
    await t.http
      .post(guess.path)
      .set('Content-Type', guess.contentType)
      .send(guess.body)
      .expect(404);

    // a send still asks Flowroute to report delivery to the clinic's dlr URL
    await sendsThroughProvider(t, c);
    const callbacks = flowroute.requests.map(
      (r) =>
        (JSON.parse(r.body) as { data: { attributes: { dlr_callback?: string } } }).data.attributes
          .dlr_callback,
    );
    expect(callbacks).toContain(webhooks.dlr);
    expect(await tablesHolding(t, secret)).toEqual([]);

    // rotated like every other secret
    const env = { CREDENTIALS_KEY: KEY_2, CREDENTIALS_KEY_PREVIOUS: KEY_1 };
    const rotating = await app(env);
    await resealCredentials(rotating.ds, new CredentialsVault(loadConfig(env)));
    const [after] = await rotating.ds.query(
      'SELECT flowroute_path_secret AS stored FROM clinics WHERE id = $1',
      [c.id],
    );
    expect(after.stored.kid).not.toBe(row.stored.kid);
    const retired = await app({ CREDENTIALS_KEY: KEY_2 });
    flowroute.requests.length = 0;
    await sendsThroughProvider(retired, c);
    expect(flowroute.requests.map((r) => r.body).join()).toContain(webhooks.dlr);
  });

  it('refuses a master key that is not 32 bytes, naming the variable', () => {
    expect(() => loadConfig({ CREDENTIALS_KEY: 'short' })).toThrow(/CREDENTIALS_KEY must be 32/);
  });
});
