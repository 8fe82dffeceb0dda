import { randomUUID } from 'node:crypto';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import {
  flowrouteInbound,
  telnyxInbound,
  twilioInbound,
  twilioStatus,
  WebhookCall,
} from '../support/provider-webhooks';
import { AppRoute, listRoutes, routeName } from '../support/routes';
import { addPerson, cookieOf } from '../support/staff';
import { ADMIN_TOKEN, startTestApp, TestApp } from '../support/test-app';
import { telnyxKeys } from '../support/webhooks';

/**
 * Every route of the running app, read from its router (not listed by hand, so a route added
 * later is covered the day it lands): each `/v1` route refuses a missing or wrong credential with
 * 401, each webhook route a missing or forged signature, and only the routes below are public;
 * each clinic route answers the integration key and an admin, and a staff member only on the
 * routes of that role (403 elsewhere).
 */
const PUBLIC = [
  /^GET \/health(\/ready)?$/,
  /^GET \/metrics$/,
  /^GET \/docs(\/.*)?$/,
  /^GET \/docs-(json|yaml)$/,
  /^GET \/console(\/.*)?$/,
  // signing in takes the key in the body; signing out without a session is a harmless no-op
  /^(POST|DELETE) \/v1\/console\/session$/,
  // a sign-in link's button: the one-time token is the credential, in the body
  /^POST \/console\/sign-in$/,
  // passkey ceremonies: a person's link token, or the passkey's signed answer, is the credential
  /^POST \/v1\/console\/passkeys\/(registration|registration-options|sign-in|sign-in-options)$/,
];
/** The routes the operator's token opens (API.md: `/v1/clinics`); every other /v1 route wants a clinic key. */
const OPERATOR = ['POST /v1/clinics'];

const isPublic = (r: AppRoute) => PUBLIC.some((p) => p.test(routeName(r)));

/**
 * What the `staff` role may use (API.md, Staff accounts and audit: reads appointments,
 * conversations and reports, replies, resolves, marks attendance). Every other clinic route is
 * an admin's, so a route added later is closed to staff until it is named here.
 */
const STAFF = [
  'GET /v1/appointments',
  'GET /v1/appointments/:id',
  'PATCH /v1/appointments/:id',
  'GET /v1/appointments/call-list',
  'GET /v1/risk/model',
  'GET /v1/conversations',
  'GET /v1/conversations/:patientPhone',
  'GET /v1/conversations/:patientPhone/export',
  'POST /v1/conversations/:patientPhone/messages',
  'POST /v1/conversations/:patientPhone/resolve',
  'GET /v1/reports/no-shows',
  'GET /v1/reports/surveys',
  'GET /v1/reports/backfill',
  'POST /v1/waitlist',
  'GET /v1/waitlist',
  'DELETE /v1/waitlist/:id',
  'GET /v1/surveys',
  'GET /v1/clinic',
  'GET /v1/slots',
  'GET /v1/calendar-deliveries',
  'GET /v1/calendar-store',
  'GET /v1/patients/:phone/consent',
  'POST /v1/patients/:phone/opt-out',
  'GET /v1/console/session',
];

/** A concrete URL for a route pattern: any id is unknown, any phone valid, any secret wrong. */
function concrete(path: string): string {
  return path.replace(/:(\w+)/g, (_, name: string) =>
    /phone/i.test(name) ? encodeURIComponent(uniquePhone()) : name === 'id' ? randomUUID() : 'x',
  );
}

function expectSecurityHeaders(headers: Record<string, string>): void {
  expect(headers).toEqual(
    expect.objectContaining({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
      'referrer-policy': 'no-referrer',
    }),
  );
}

describe('security: every route from the running app', () => {
  let t: TestApp;
  let c: TestClinic;
  let routes: AppRoute[];
  beforeAll(async () => {
    t = await startTestApp();
    c = await createClinic(t);
    routes = listRoutes(t.app);
  });
  afterAll(() => t.close());

  function call(route: AppRoute, headers: Record<string, string>) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete';
    const req = t.http[method](concrete(route.path)).set(headers);
    // a body that would pass no validation: the credential must be judged first
    return ['GET', 'HEAD', 'DELETE'].includes(route.method) ? req : req.send({});
  }

  it('finds the routes (the listing itself works)', () => {
    const names = routes.map(routeName);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /v1/clinics',
        'GET /v1/appointments/:id',
        'POST /webhooks/twilio/inbound',
        'GET /health/ready',
      ]),
    );
  });

  it('serves nothing outside /v1, /webhooks and the public list', () => {
    const stray = routes.filter(
      (r) => !isPublic(r) && !r.path.startsWith('/v1/') && !r.path.startsWith('/webhooks/'),
    );
    expect(stray.map(routeName)).toEqual([]);
  });

  it('answers 401 on every /v1 route without a credential, or with a wrong, forged or misplaced one', async () => {
    const v1 = routes.filter((r) => r.path.startsWith('/v1/') && !isPublic(r));
    expect(v1.length).toBeGreaterThan(8);
    const wrong: Record<string, Record<string, string>> = {
      none: {},
      'empty bearer': { Authorization: 'Bearer ' },
      'not bearer': { Authorization: `Basic ${Buffer.from(`x:${c.apiKey}`).toString('base64')}` },
      'forged key': { Authorization: `Bearer tk_${'A'.repeat(43)}` },
      'key with a changed character': {
        Authorization: `Bearer ${c.apiKey.slice(0, -1)}${c.apiKey.endsWith('A') ? 'B' : 'A'}`,
      },
      'key in a query': {},
      'forged console cookie': {
        Cookie: `turnout_session=${'a'.repeat(43)}`,
        'X-Turnout-Console': '1',
      },
    };
    const seen: string[] = [];
    for (const route of v1) {
      const operator = OPERATOR.includes(routeName(route));
      const cases = {
        ...wrong,
        // the other kind of credential is a wrong one too
        'credential of the other kind': {
          Authorization: `Bearer ${operator ? c.apiKey : ADMIN_TOKEN}`,
        },
      };
      for (const [name, headers] of Object.entries(cases)) {
        const res = await call(route, headers);
        seen.push(`${routeName(route)} [${name}] ${res.status}`);
        expect(`${routeName(route)} [${name}] ${res.status}`).toBe(
          `${routeName(route)} [${name}] 401`,
        );
        expect(res.body).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: [expect.any(String)],
        });
        expectSecurityHeaders(res.headers);
      }
    }
    expect(seen.length).toBe(v1.length * 8);
  });

  it('sends the security headers on the public routes too', async () => {
    for (const route of routes.filter((r) => isPublic(r) && r.method === 'GET')) {
      const res = await call(route, {});
      expectSecurityHeaders(res.headers);
    }
  });

  it('lets the operator token open exactly the operator routes', async () => {
    const opened: string[] = [];
    for (const route of routes.filter((r) => r.path.startsWith('/v1/') && !isPublic(r))) {
      const res = await call(route, { Authorization: `Bearer ${ADMIN_TOKEN}` });
      if (res.status !== 401) opened.push(routeName(route));
    }
    expect(opened.sort()).toEqual([...OPERATOR].sort());
  });

  it('checks every clinic route for every role: staff, admin and the integration key', async () => {
    const admin = await addPerson(t, c, {
      name: 'Rosa Admin',
      email: 'rosa@sec.example',
      role: 'admin',
    });
    const staff = await addPerson(t, c, {
      name: 'Ben Staff',
      email: 'ben@sec.example',
      role: 'staff',
    });
    const keySession = await t.http
      .post('/v1/console/session')
      .send({ apiKey: c.apiKey })
      .expect(204);
    const actors: Record<string, Record<string, string>> = {
      'integration key': c.auth,
      'integration key console session': {
        Cookie: cookieOf(keySession.headers['set-cookie']),
        'X-Turnout-Console': '1',
      },
      admin: admin.auth,
      staff: staff.auth,
    };
    const clinicRoutes = routes.filter(
      (r) => r.path.startsWith('/v1/') && !isPublic(r) && !OPERATOR.includes(routeName(r)),
    );
    expect(STAFF.filter((name) => !clinicRoutes.some((r) => routeName(r) === name))).toEqual([]);
    const wrong: string[] = [];
    for (const route of clinicRoutes) {
      for (const [actor, headers] of Object.entries(actors)) {
        const res = await call(route, headers);
        const allowed = actor !== 'staff' || STAFF.includes(routeName(route));
        const answered = allowed ? ![401, 403].includes(res.status) : res.status === 403;
        if (!answered) wrong.push(`${routeName(route)} [${actor}] ${res.status}`);
        if (!allowed) {
          expect(res.body).toEqual({
            statusCode: 403,
            error: 'Forbidden',
            message: ['this needs the admin role'],
          });
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  describe('webhooks', () => {
    const token = 'security-twilio-token';
    const keys = telnyxKeys();
    let twilio: TestClinic;
    let telnyx: TestClinic;
    let flowroute: TestClinic;
    beforeAll(async () => {
      twilio = await createClinic(t, {
        provider: { type: 'twilio', accountSid: `AC${'1'.repeat(32)}`, authToken: token },
      });
      telnyx = await createClinic(t, {
        provider: { type: 'telnyx', apiKey: 'KEY-security', publicKey: keys.publicKey },
      });
      flowroute = await createClinic(t, {
        provider: { type: 'flowroute', accessKey: 'fr-access', secretKey: 'fr-secret' },
      });
    });

    async function inboxCount(): Promise<number> {
      const [row] = await t.ds.query(
        'SELECT count(*)::int AS n FROM webhook_inbox WHERE clinic_id = ANY($1::uuid[])',
        [[twilio.id, telnyx.id, flowroute.id]],
      );
      return row.n;
    }

    /**
     * For each provider: a well-formed call to a real clinic's number, then that call without
     * its signature and with a forged one. A webhook route with no entry here fails the test,
     * so a new provider's routes cannot land unprobed.
     */
    function probes(route: AppRoute): { missing: WebhookCall; forged: WebhookCall[] } | undefined {
      const now = Math.floor(t.clock.now().getTime() / 1000);
      const drop = (call: WebhookCall, header: string): WebhookCall => ({
        ...call,
        headers: Object.fromEntries(Object.entries(call.headers).filter(([k]) => k !== header)),
      });
      const sender = (x: TestClinic) => x.body.senderNumber as string;
      switch (route.path) {
        case '/webhooks/twilio/inbound':
        case '/webhooks/twilio/status': {
          const call = route.path.endsWith('inbound')
            ? twilioInbound(token, sender(twilio), uniquePhone(), 'C')
            : twilioStatus(token, sender(twilio), uniquePhone(), 'delivered');
          const other = route.path.endsWith('inbound')
            ? twilioInbound('another-token', sender(twilio), uniquePhone(), 'C')
            : twilioStatus('another-token', sender(twilio), uniquePhone(), 'delivered');
          return {
            missing: drop(call, 'X-Twilio-Signature'),
            forged: [
              { ...call, headers: { 'X-Twilio-Signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } },
              // signed with someone else's token
              other,
              // a genuine signature over a body with one more parameter
              { ...call, body: `${call.body}&Tampered=1` },
            ],
          };
        }
        case '/webhooks/telnyx': {
          const call = telnyxInbound(keys, now, sender(telnyx), uniquePhone(), 'C');
          const stranger = telnyxInbound(telnyxKeys(), now, sender(telnyx), uniquePhone(), 'C');
          return {
            missing: drop(call, 'telnyx-signature-ed25519'),
            forged: [
              stranger,
              { ...call, body: call.body.replace('"text":"C"', '"text":"X"') },
              // a genuine signature, replayed an hour later
              telnyxInbound(keys, now - 3600, sender(telnyx), uniquePhone(), 'C'),
            ],
          };
        }
        case '/webhooks/flowroute/:secret/inbound':
        case '/webhooks/flowroute/:secret/dlr': {
          const real = new URL((flowroute.body.webhooks as { inbound: string }).inbound).pathname;
          const kind = route.path.endsWith('inbound') ? 'inbound' : 'dlr';
          const secret = real.split('/')[3];
          const call = flowrouteInbound(
            `/webhooks/flowroute/${secret}/${kind}`,
            sender(flowroute),
            uniquePhone(),
            'C',
          );
          const wrong = (s: string) => ({ ...call, path: `/webhooks/flowroute/${s}/${kind}` });
          // the path secret is Flowroute's only credential: absent or wrong, nothing is stored
          return {
            missing: wrong(''),
            forged: [
              wrong(`frs_${'A'.repeat(32)}`),
              wrong(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`),
              wrong(secret.toUpperCase()),
            ],
          };
        }
        default:
          return undefined;
      }
    }

    function send(call: WebhookCall) {
      return t.http
        .post(call.path)
        .set('Content-Type', call.contentType)
        .set(call.headers)
        .send(call.body);
    }

    it('refuses a missing or forged signature on every webhook route, storing nothing', async () => {
      const webhooks = routes.filter((r) => r.path.startsWith('/webhooks/'));
      expect(webhooks.length).toBeGreaterThanOrEqual(5);
      for (const route of webhooks) {
        const p = probes(route);
        expect([routeName(route), p === undefined ? 'no probe' : 'probed']).toEqual([
          routeName(route),
          'probed',
        ]);
        const before = await inboxCount();
        const flowroute = route.path.includes('flowroute');
        const missing = await send(p!.missing);
        expect([routeName(route), 'missing', missing.status]).toEqual([
          routeName(route),
          'missing',
          flowroute ? 404 : 401,
        ]);
        for (const [i, forged] of p!.forged.entries()) {
          const res = await send(forged);
          expect([routeName(route), `forged ${i}`, res.status]).toEqual([
            routeName(route),
            `forged ${i}`,
            flowroute ? 404 : 403,
          ]);
          expect(res.body).toEqual(
            expect.objectContaining({ statusCode: res.status, message: [expect.any(String)] }),
          );
          expectSecurityHeaders(res.headers);
        }
        expect(await inboxCount()).toBe(before);
      }
    });

    it('accepts the same calls signed genuinely (the probes are real webhooks)', async () => {
      const now = Math.floor(t.clock.now().getTime() / 1000);
      const sender = (x: TestClinic) => x.body.senderNumber as string;
      const inbound = new URL((flowroute.body.webhooks as { inbound: string }).inbound).pathname;
      for (const call of [
        twilioInbound(token, sender(twilio), uniquePhone(), 'C'),
        telnyxInbound(keys, now, sender(telnyx), uniquePhone(), 'C'),
        flowrouteInbound(inbound, sender(flowroute), uniquePhone(), 'C'),
      ]) {
        const res = await send(call);
        expect([call.path, res.status]).toEqual([call.path, 200]);
      }
      expect(await inboxCount()).toBe(3);
    });
  });
});
