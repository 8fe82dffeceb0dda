import fc from 'fast-check';
import { appointmentInput, createClinic, TestClinic, uniquePhone } from '../support/factories';
import { ADMIN_TOKEN, startTestApp, TestApp } from '../support/test-app';

/**
 * Property-based probes, one per class of hostile input found in issue 8: whatever the body,
 * the answer is never a 5xx, and a refused request (or a refused batch item) writes nothing.
 */
describe('hostile input, property-based', () => {
  let t: TestApp;
  let c: TestClinic;
  let appointmentId: string;
  let patientPhone: string;
  beforeAll(async () => {
    t = await startTestApp();
    c = await createClinic(t);
    const res = await t.http.post('/v1/appointments').set(c.auth).send(appointmentInput());
    appointmentId = res.body.id;
    patientPhone = res.body.patient.phone;
  });
  afterAll(() => t.close());

  type Route = {
    method: 'post' | 'patch';
    path: () => string;
    admin?: boolean;
    body: () => Record<string, unknown>;
    /** where the single item of a batch sits: hostile values go inside it */
    item?: string;
  };
  const ROUTES: Record<string, Route> = {
    createClinic: {
      method: 'post',
      path: () => '/v1/clinics',
      admin: true,
      body: () => ({
        name: 'Lakeside Dental',
        timezone: 'America/Chicago',
        defaultCountry: 'US',
        senderNumber: uniquePhone(),
        contactPhone: uniquePhone(),
        provider: { type: 'twilio', accountSid: 'AC123', authToken: 'token' },
        reminderOffsets: ['P2D', 'PT2H'],
        quietHours: { start: '20:00', end: '08:00' },
        keywordReplies: 'turnout',
        calendarWebhookUrl: 'https://pms.example/hook',
      }),
    },
    updateClinic: {
      method: 'patch',
      path: () => '/v1/clinic',
      body: () => ({
        name: 'Lakeside Dental',
        timezone: 'America/Chicago',
        contactPhone: uniquePhone(),
        reminderOffsets: ['P2D', 'PT2H'],
        quietHours: { start: '20:00', end: '08:00' },
        calendarWebhookUrl: 'https://pms.example/hook',
      }),
    },
    upsertAppointment: {
      method: 'post',
      path: () => '/v1/appointments',
      body: () =>
        appointmentInput({
          patient: { name: 'Ana', phone: uniquePhone(), timezone: 'America/Chicago' },
        }),
    },
    appointmentBatch: {
      method: 'post',
      path: () => '/v1/appointments/batch',
      body: () => ({ appointments: [appointmentInput()] }),
      item: 'appointments.0',
    },
    patchAppointment: {
      method: 'patch',
      path: () => `/v1/appointments/${appointmentId}`,
      body: () => ({ startsAt: '2026-12-02T09:30:00-06:00' }),
    },
    slotBatch: {
      method: 'post',
      path: () => '/v1/slots/batch',
      body: () => ({
        slots: [{ practitioner: 'Dr. Kim', location: 'Main St', startsAt: '2026-12-03T10:00:00' }],
      }),
      item: 'slots.0',
    },
    simulatorInbound: {
      method: 'post',
      path: () => '/v1/simulator/inbound',
      body: () => ({ from: uniquePhone(), body: 'C' }),
    },
    staffReply: {
      method: 'post',
      path: () => `/v1/conversations/${encodeURIComponent(patientPhone)}/messages`,
      body: () => ({ body: 'See you Thursday.' }),
    },
  };

  /** Every path to a field of a body, nested ones and array items included. */
  function fieldPaths(value: unknown, prefix: string[] = []): string[][] {
    const own = prefix.length > 0 ? [prefix] : [];
    if (typeof value !== 'object' || value === null) return own;
    return [...own, ...Object.entries(value).flatMap(([k, v]) => fieldPaths(v, [...prefix, k]))];
  }

  /** Every (route, string field) and (route, field) pair: each class is probed on all of them. */
  const FIELDS = Object.entries(ROUTES).flatMap(([name, route]) =>
    fieldPaths(route.body()).map((path) => ({ name, path })),
  );
  const STRING_FIELDS = FIELDS.filter(
    ({ name, path }) =>
      typeof path.reduce<unknown>(
        (node, key) => (node as Record<string, unknown>)[key],
        ROUTES[name].body(),
      ) === 'string',
  );
  /** The fields the contract lets a client clear with null. */
  const NULLABLE = ['contactPhone', 'quietHours', 'calendarWebhookUrl'];

  function setAt(body: Record<string, unknown>, path: string[], value: unknown): void {
    let node = body;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[path[path.length - 1]] = value;
  }

  /** Everything a request could have written for this clinic, or for clinics overall. */
  async function writes(): Promise<string> {
    const [row] = await t.ds.query(
      `SELECT (SELECT count(*) FROM clinics) AS clinics,
              (SELECT version FROM clinics WHERE id = $1) AS version,
              (SELECT count(*) FROM appointments WHERE clinic_id = $1) AS appointments,
              (SELECT max(updated_at) FROM appointments WHERE clinic_id = $1) AS changed,
              (SELECT count(*) FROM patients WHERE clinic_id = $1) AS patients,
              (SELECT count(*) FROM slots WHERE clinic_id = $1) AS slots,
              (SELECT count(*) FROM webhook_inbox WHERE clinic_id = $1) AS inbox`,
      [c.id],
    );
    return JSON.stringify(row);
  }

  /**
   * Sends the body; no 5xx; when refused (or its one batch item refused), nothing written.
   * Resolves to whether it was refused.
   */
  async function probe(route: Route, body: unknown, raw?: { encoding: string }): Promise<boolean> {
    const before = await writes();
    let req = t.http[route.method](route.path()).set(
      route.admin ? { Authorization: `Bearer ${ADMIN_TOKEN}` } : c.auth,
    );
    if (raw) {
      req = req
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', raw.encoding)
        .serialize((x: unknown) => x as string);
    }
    const res = await req.send(body as object);
    expect(res.status).toBeLessThan(500);
    const itemRefused =
      route.item !== undefined && res.status === 200 && res.body.results?.[0]?.outcome === 'error';
    const refused = res.status >= 400 || itemRefused;
    if (refused) expect(await writes()).toBe(before);
    return refused;
  }

  const routeNames = Object.keys(ROUTES);
  const anyField = fc.constantFrom(...FIELDS);

  it('NUL or an unpaired surrogate in any string field of any body is refused, writing nothing', async () => {
    const hostile = fc
      .tuple(
        fc.string({ maxLength: 5 }),
        fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800'),
        fc.string({ maxLength: 5 }),
      )
      .map(([a, bad, b]) => a + bad + b);
    for (const { name, path } of STRING_FIELDS) {
      await fc.assert(
        fc.asyncProperty(hostile, async (text) => {
          const body = ROUTES[name].body();
          setAt(body, path, text);
          expect([name, path.join('.'), await probe(ROUTES[name], body)]).toEqual([
            name,
            path.join('.'),
            true,
          ]);
        }),
        { numRuns: 3 },
      );
    }
  });

  it('null in any field of any body is refused, writing nothing, unless the field is nullable', async () => {
    for (const { name, path } of FIELDS) {
      const body = ROUTES[name].body();
      setAt(body, path, null);
      const refused = await probe(ROUTES[name], body);
      if (!NULLABLE.includes(path[path.length - 1])) {
        expect([name, path.join('.'), refused]).toEqual([name, path.join('.'), true]);
      }
    }
    for (const name of routeNames) await probe(ROUTES[name], [null]);
  });

  it('out-of-range dates are refused wherever a body takes startsAt, writing nothing', async () => {
    // the last day of the year, so 1969 with any offset would still be 1970 somewhere: from 1968
    const year = fc.oneof(
      fc.integer({ min: 0, max: 1968 }),
      fc.integer({ min: 2201, max: 9999 }),
      fc.constantFrom(1968, 2201, 9999),
    );
    const suffix = fc.constantFrom('Z', '', '+14:00', '-12:00');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('upsertAppointment', 'appointmentBatch', 'patchAppointment', 'slotBatch'),
        year,
        suffix,
        async (name, y, zone) => {
          const startsAt = `${String(y).padStart(4, '0')}-12-31T23:59:59${zone}`;
          const route = ROUTES[name];
          const body = route.body();
          const path = route.item ? [...route.item.split('.'), 'startsAt'] : ['startsAt'];
          setAt(body, path, startsAt);
          expect([startsAt, await probe(route, body)]).toEqual([startsAt, true]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('any nesting depth at any field', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyField,
        fc.integer({ min: 1, max: 6000 }),
        fc.boolean(),
        async ({ name, path }, depth, objects) => {
          const parsed = ROUTES[name].body();
          setAt(parsed, path, '__DEEP__');
          const body = JSON.stringify(parsed);
          const open = objects ? '{"a":'.repeat(depth) : '['.repeat(depth);
          const close = objects ? '}'.repeat(depth) : ']'.repeat(depth);
          const text = body.replace('"__DEEP__"', `${open}1${close}`);
          const refused = await probe(ROUTES[name], Buffer.from(text), { encoding: 'identity' });
          if (depth > 32) expect(refused).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('any Content-Encoding over any bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routeNames),
        fc.constantFrom('gzip', 'br', 'deflate', 'zstd', 'compress', 'x-gzip', 'gzip, br', 'GZIP'),
        fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constant(Buffer.from('{"name":"x"}'))),
        async (name, encoding, bytes) => {
          await probe(ROUTES[name], Buffer.from(bytes), { encoding });
        },
      ),
      { numRuns: 40 },
    );
  });
});
