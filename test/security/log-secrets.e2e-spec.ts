import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { appointmentInput, uniquePhone } from '../support/factories';
import { FakeFlowrouteServer } from '../support/fake-flowroute.server';
import { FakeTelnyxServer } from '../support/fake-telnyx.server';
import { FakeTwilioServer } from '../support/fake-twilio.server';
import { FhirTestServer } from '../support/fhir/fhir-test-server';
import { exportJWK, generateKeyPair } from 'jose';
import {
  flowrouteInbound,
  telnyxInbound,
  twilioInbound,
  twilioStatus,
  WebhookCall,
} from '../support/provider-webhooks';
import {
  ServiceProcess,
  startServiceProcess,
  stopServiceProcess,
} from '../support/service-process';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { cookieOf } from '../support/staff';
import { ADMIN_TOKEN } from '../support/test-app';
import { PUBLIC_BASE_URL, telnyxKeys } from '../support/webhooks';

const TWILIO = {
  accountSid: `AC${'10950000'.repeat(4)}`,
  authToken: `tw-${randomBytes(12).toString('hex')}`,
};
const TELNYX_KEY = `KEY${randomBytes(12).toString('hex')}`;
const FLOWROUTE = {
  accessKey: `fra-${randomBytes(6).toString('hex')}`,
  secretKey: `frs-${randomBytes(12).toString('hex')}`,
};
const CREDENTIALS_KEY = randomBytes(32).toString('base64');
const CALDAV_PASSWORD = `cdp-${randomBytes(12).toString('hex')}`;
const FHIR_TOKEN = `fht-${randomBytes(12).toString('hex')}`;

/** Every way a number may be written: +E.164, digits (Flowroute), national forms. */
function phoneForms(e164: string): string[] {
  const d = e164.replace(/\D/g, '');
  const n = d.slice(-10);
  return [
    e164,
    d,
    n,
    encodeURIComponent(e164),
    `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`,
    `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
    `${n.slice(0, 3)}.${n.slice(3, 6)}.${n.slice(6)}`,
    `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`,
  ];
}

/**
 * A full run of the real service at LOG_LEVEL=debug, its output captured: clinics of every
 * provider, uploads, reminders sent, signed webhooks of each provider, simulator replies, and
 * errors of many kinds, a staff member's passkey registration and sign-in. No credential, secret
 * (API keys, link and session tokens, passkey challenges and signatures), phone number (any
 * format) or message body may appear in any line.
 */
describe('logs of a full run', () => {
  let service: ServiceProcess;
  let twilio: FakeTwilioServer;
  let telnyx: FakeTelnyxServer;
  let flowroute: FakeFlowrouteServer;
  let fhir: FhirTestServer;
  const secrets: string[] = [
    CALDAV_PASSWORD,
    FHIR_TOKEN,
    ADMIN_TOKEN,
    TWILIO.authToken,
    TELNYX_KEY,
    FLOWROUTE.secretKey,
    FLOWROUTE.accessKey,
    CREDENTIALS_KEY,
  ];
  const phones: string[] = [];
  const bodies: string[] = [];

  beforeAll(async () => {
    twilio = await FakeTwilioServer.start(TWILIO);
    telnyx = await FakeTelnyxServer.start(TELNYX_KEY);
    flowroute = await FakeFlowrouteServer.start(FLOWROUTE);
    fhir = new FhirTestServer();
    fhir.staticToken = FHIR_TOKEN;
    await fhir.start();
    service = await startServiceProcess({
      DATABASE_URL: process.env.DATABASE_URL!,
      ADMIN_TOKEN,
      PUBLIC_BASE_URL,
      LOG_LEVEL: 'debug',
      DISPATCH_INTERVAL_MS: '100',
      INBOX_INTERVAL_MS: '50',
      CREDENTIALS_KEY,
      TWILIO_API_BASE_URL: twilio.baseUrl,
      TELNYX_API_BASE_URL: telnyx.baseUrl,
      FLOWROUTE_API_BASE_URL: flowroute.baseUrl,
    });
  });
  afterAll(async () => {
    await stopServiceProcess(service);
    await Promise.all([twilio.stop(), telnyx.stop(), flowroute.stop(), fhir.stop()]);
  });

  const phone = () => {
    const p = uniquePhone();
    phones.push(p);
    return p;
  };
  const body = (prefix: string) => {
    const b = `${prefix} ${randomBytes(6).toString('hex')}`;
    bodies.push(b);
    return b;
  };

  it('holds no credential, secret, phone number or message body', async () => {
    const http = request(service.url);
    const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    const keys = telnyxKeys();
    const providers = {
      twilio: { type: 'twilio', ...TWILIO },
      telnyx: { type: 'telnyx', apiKey: TELNYX_KEY, publicKey: keys.publicKey },
      flowroute: { type: 'flowroute', ...FLOWROUTE },
      fake: { type: 'fake' },
    };
    const clinics: Record<
      string,
      { auth: Record<string, string>; sender: string; body: Record<string, unknown> }
    > = {};
    for (const [name, provider] of Object.entries(providers)) {
      const sender = phone();
      const res = await http
        .post('/v1/clinics')
        .set(admin)
        .send({
          name: `Clinic ${name}`,
          timezone: 'America/Chicago',
          senderNumber: sender,
          contactPhone: phone(),
          provider,
          quietHours: null,
          sendRatePerSecond: 50,
        })
        .expect(201);
      secrets.push(res.body.apiKey, res.body.webhookSecret);
      if (name === 'flowroute')
        secrets.push(new URL(res.body.webhooks.inbound).pathname.split('/')[3]);
      clinics[name] = {
        auth: { Authorization: `Bearer ${res.body.apiKey}` },
        sender,
        body: res.body,
      };
    }

    // uploads: a reminder due at once for each (start in 3 h, every offset already past)
    const startsAt = new Date(Date.now() + 3 * 3600_000).toISOString();
    const patients: Record<string, string> = {};
    for (const [name, c] of Object.entries(clinics)) {
      await http
        .patch('/v1/clinic')
        .set(c.auth)
        .send({ reminderOffsets: ['P1D'] })
        .expect(200);
      const patientPhone = phone();
      patients[name] = patientPhone;
      const n = patientPhone.slice(-10);
      await http
        .post('/v1/appointments')
        .set(c.auth)
        .send(
          appointmentInput({
            startsAt,
            patient: {
              name: 'Ana Diaz',
              phone: `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`,
            },
          }),
        )
        .expect(201);
      await http
        .post('/v1/appointments/batch')
        .set(c.auth)
        .send({
          appointments: [
            appointmentInput({ startsAt, patient: { name: 'Bo', phone: phone() } }),
            appointmentInput({ patient: { name: 'Bad', phone: `${phone()}99` } }),
          ],
        })
        .expect(200);
    }
    // the reminders go out through each provider's wire server
    const deadline = Date.now() + 20_000;
    while (
      Date.now() < deadline &&
      twilio.requests.length + telnyx.requests.length + flowroute.requests.length < 6
    ) {
      await sleep(200);
    }
    expect(twilio.requests.length).toBeGreaterThanOrEqual(2);
    const outbox = await http.get('/v1/simulator/outbox').set(clinics.fake.auth).expect(200);
    for (const item of outbox.body.items as { body: string }[]) bodies.push(item.body);
    for (const r of twilio.requests) bodies.push(new URLSearchParams(r.body).get('Body') ?? '');

    // signed webhooks of each provider, replies and status callbacks
    const send = (call: WebhookCall) =>
      http.post(call.path).set('Content-Type', call.contentType).set(call.headers).send(call.body);
    const now = Math.floor(Date.now() / 1000);
    await send(
      twilioInbound(TWILIO.authToken, clinics.twilio.sender, patients.twilio, body('C twilio')),
    ).expect(200);
    await send(
      twilioStatus(TWILIO.authToken, clinics.twilio.sender, patients.twilio, 'delivered'),
    ).expect(200);
    await send(
      telnyxInbound(keys, now, clinics.telnyx.sender, patients.telnyx, body('R telnyx')),
    ).expect(200);
    const inbound = new URL((clinics.flowroute.body.webhooks as { inbound: string }).inbound)
      .pathname;
    await send(
      flowrouteInbound(inbound, clinics.flowroute.sender, patients.flowroute, body('X flowroute')),
    ).expect(200);
    await http
      .post('/v1/simulator/inbound')
      .set(clinics.fake.auth)
      .send({ from: patients.fake, body: body('hello who is this') })
      .expect(202);
    await http
      .post('/v1/simulator/inbound')
      .set(clinics.fake.auth)
      .send({ from: patients.fake, body: 'STOP' })
      .expect(202);

    // calendar stores: read on the due-work loop, their credentials sealed and never shown;
    // a CalDAV server that is not there, a FHIR server refusing a SMART key it does not know
    const { privateKey } = await generateKeyPair('ES384', { extractable: true });
    const jwk = await exportJWK(privateKey);
    secrets.push(jwk.d!);
    fhir.put({ resourceType: 'Patient', id: 'p1', telecom: [{ system: 'sms', value: phone() }] });
    fhir.put({
      resourceType: 'Appointment',
      id: 'a1',
      status: 'booked',
      start: startsAt,
      participant: [{ actor: { reference: 'Patient/p1' }, status: 'needs-action' }],
    });
    const stores = [
      {
        type: 'caldav',
        url: 'http://127.0.0.1:9/cal/',
        username: 'clinic',
        password: CALDAV_PASSWORD,
      },
      { type: 'fhir', baseUrl: fhir.base, auth: { type: 'bearer', token: FHIR_TOKEN } },
      {
        type: 'fhir',
        baseUrl: fhir.base,
        auth: {
          type: 'smart-backend',
          clientId: 'c1',
          tokenUrl: fhir.tokenUrl,
          privateKeyJwk: jwk,
          scope: 'system/Appointment.rs',
        },
      },
    ];
    for (const [i, name] of ['twilio', 'telnyx', 'flowroute'].entries()) {
      const res = await http
        .patch('/v1/clinic')
        .set(clinics[name].auth)
        .send({ calendarStore: { ...stores[i], syncSeconds: 10 } })
        .expect(200);
      const shown =
        JSON.stringify(res.body) +
        JSON.stringify((await http.get('/v1/clinic').set(clinics[name].auth)).body);
      expect(secrets.filter((secret) => shown.includes(secret))).toEqual([]);
    }
    const storeDeadline = Date.now() + 15_000;
    const read = async () =>
      (await http.get('/v1/calendar-store').set(clinics.telnyx.auth).expect(200)).body as {
        counts: { appointments: number };
      };
    while (
      Date.now() < storeDeadline &&
      ((await read()).counts.appointments < 1 ||
        !fhir.requests.some((r) => r.startsWith('POST /auth/token')))
    ) {
      await sleep(100);
    }
    expect((await read()).counts.appointments).toBe(1);

    // errors of many kinds
    const stranger = phone();
    await send(
      twilioInbound('wrong-token', clinics.twilio.sender, stranger, body('forged')),
    ).expect(403);
    await send(twilioInbound(TWILIO.authToken, phone(), stranger, body('unknown number'))).expect(
      403,
    );
    await send({
      ...twilioInbound(TWILIO.authToken, clinics.twilio.sender, stranger, body('no sig')),
      headers: {},
    }).expect(401);
    await send(
      flowrouteInbound(
        `/webhooks/flowroute/frs_${'x'.repeat(32)}/inbound`,
        clinics.flowroute.sender,
        stranger,
        body('bad path'),
      ),
    ).expect(404);
    await send(
      telnyxInbound(telnyxKeys(), now, clinics.telnyx.sender, stranger, body('forged telnyx')),
    ).expect(403);
    await http
      .post('/webhooks/telnyx')
      .set('Content-Type', 'application/json')
      .send(`{"data":{"payload":{"text":"${body('broken')}","from":"${stranger}"`)
      .expect(400);
    await http
      .post('/v1/appointments')
      .set(clinics.fake.auth)
      .send(appointmentInput({ patient: { name: 'X', phone: `${stranger}1234` } }))
      .expect(400);
    await http
      .post('/v1/simulator/inbound')
      .set(clinics.fake.auth)
      .send({ from: stranger, body: `${body('nul')}\u0000` })
      .expect(400);
    await http.get(`/v1/patients/${encodeURIComponent(stranger)}/consent`).set(clinics.fake.auth);
    await http
      .get('/v1/appointments')
      .query({ externalId: stranger })
      .set(clinics.fake.auth)
      .expect(200);
    await http
      .get('/v1/clinic')
      .set('Authorization', `Bearer ${clinics.fake.body.apiKey as string}x`)
      .expect(401);
    await http
      .post('/v1/clinics')
      .set(admin)
      .send({
        name: 'Dup',
        timezone: 'America/Chicago',
        senderNumber: clinics.fake.sender,
        provider: { type: 'fake' },
      })
      .expect(409);
    twilio.enqueue({
      type: 'error',
      httpStatus: 500,
      code: 20500,
      message: `failed for ${patients.twilio}`,
    });
    await http
      .post('/v1/appointments')
      .set(clinics.twilio.auth)
      .send(appointmentInput({ startsAt, patient: { name: 'Cy', phone: phone() } }))
      .expect(201);
    // staff: a person added, a passkey registered from the link, signed in; replays refused
    const person = await http
      .post('/v1/staff')
      .set(clinics.fake.auth)
      .send({ name: 'Rosa Diaz', email: 'rosa.logs@clinic.example', role: 'admin' })
      .expect(201);
    const token = new URL(person.body.signInUrl as string).searchParams.get('token')!;
    secrets.push(token);
    await http.get(`/console/sign-in?token=${token}`).expect(200);
    const passkey = new SoftAuthenticator(new URL(PUBLIC_BASE_URL).origin);
    const created = await http
      .post('/v1/console/passkeys/registration-options')
      .send({ token })
      .expect(200);
    secrets.push(created.body.challenge);
    const registered = await http
      .post('/v1/console/passkeys/registration')
      .send({ token, response: passkey.register(created.body) })
      .expect(204);
    await http.post('/v1/console/passkeys/registration-options').send({ token }).expect(401);
    const options = await http.post('/v1/console/passkeys/sign-in-options').send({}).expect(200);
    secrets.push(options.body.challenge);
    const answer = passkey.assert(options.body);
    secrets.push(answer.response.signature);
    const signedIn = await http
      .post('/v1/console/passkeys/sign-in')
      .send({ response: answer })
      .expect(204);
    await http.post('/v1/console/passkeys/sign-in').send({ response: answer }).expect(401);
    for (const res of [registered, signedIn]) {
      const cookie = cookieOf(res.headers['set-cookie']);
      secrets.push(cookie.split('=')[1]);
      await http.get('/v1/appointments').set('Cookie', cookie).expect(200);
      await http.get('/v1/audit?format=csv').set('Cookie', cookie).expect(200);
    }
    await sleep(1500);

    await stopServiceProcess(service);
    const text = service.output.join('');
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    // the run was logged (requests at debug, warnings for refused ones), by ids and lengths
    expect(lines.length).toBeGreaterThan(40);
    // each provider webhook has its request line like every route (they bypass Nest's pipeline)
    const completed = (url: string) =>
      lines.some((l) => l.includes('request completed') && l.includes(`"url":"${url}"`));
    for (const url of ['/webhooks/twilio/inbound', '/webhooks/twilio/status', '/webhooks/telnyx']) {
      expect({ url, logged: completed(url) }).toEqual({ url, logged: true });
    }
    const found = [
      ...secrets.filter((s) => text.includes(s)).map((s) => `secret ${s.slice(0, 6)}...`),
      ...phones
        .flatMap(phoneForms)
        .filter((p) => text.includes(p))
        .map((p) => `phone ${p}`),
      ...bodies.filter((b) => b && text.includes(b)).map((b) => `body ${b}`),
    ];
    expect(found).toEqual([]);
  }, 120_000);
});
