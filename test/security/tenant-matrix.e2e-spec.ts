import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import {
  appointmentInput,
  createClinic,
  TestClinic,
  uniqueId,
  uniquePhone,
} from '../support/factories';
import { listRoutes, routeName } from '../support/routes';
import { startTestApp, TestApp } from '../support/test-app';
import { processInbox } from '../support/webhooks';

/** What clinic A owns, as seen by clinic B's requests. */
interface Owned {
  appointmentId: string;
  externalId: string;
  patientPhone: string;
  /** a URL-encoded +E.164, as `{patientPhone}` is sent */
  phoneParam: string;
  deliveryId: string | null;
  waitlistEntryId: string;
  staffId: string;
  experimentId: string;
  broadcastId: string;
}

type Send = (t: TestApp, b: TestClinic, a: Owned) => Promise<Response>;
/** What B must get: a 404, or an answer of its own (list, report, its own record). */
type Expect = 404 | 'own';

/**
 * The tenant matrix: for each clinic route, what clinic B's key gets when it aims at clinic A's
 * data. Every answer is checked for A's markers (ids, phone, names), and A's rows must be
 * exactly as they were after the whole matrix. A clinic route without a row fails the test, so
 * a route added later gets its row the day it lands; rows of routes not on this build are
 * skipped until they are.
 */
const MATRIX: Record<string, { send: Send; expect: Expect; echoes?: (keyof Owned)[] }> = {
  'GET /v1/clinic': { send: (t, b) => t.http.get('/v1/clinic').set(b.auth), expect: 'own' },
  'PATCH /v1/clinic': {
    send: (t, b) => t.http.patch('/v1/clinic').set(b.auth).send({ name: 'Renamed by B' }),
    expect: 'own',
  },
  'POST /v1/appointments': {
    // A's externalId in B's upload is B's own appointment, never an update of A's
    send: (t, b, a) =>
      t.http
        .post('/v1/appointments')
        .set(b.auth)
        .send(appointmentInput({ externalId: a.externalId, status: 'cancelled' })),
    expect: 'own',
    echoes: ['externalId'],
  },
  'POST /v1/appointments/batch': {
    send: (t, b, a) =>
      t.http
        .post('/v1/appointments/batch')
        .set(b.auth)
        .send({
          appointments: [appointmentInput({ externalId: a.externalId, status: 'cancelled' })],
        }),
    expect: 'own',
    echoes: ['externalId'],
  },
  'GET /v1/appointments': {
    send: (t, b, a) =>
      t.http.get('/v1/appointments').query({ externalId: a.externalId }).set(b.auth),
    expect: 'own',
    echoes: ['externalId'],
  },
  'GET /v1/appointments/:id': {
    send: (t, b, a) => t.http.get(`/v1/appointments/${a.appointmentId}`).set(b.auth),
    expect: 404,
  },
  'PATCH /v1/appointments/:id': {
    send: (t, b, a) =>
      t.http.patch(`/v1/appointments/${a.appointmentId}`).set(b.auth).send({ status: 'cancelled' }),
    expect: 404,
  },
  'POST /v1/slots/batch': {
    send: (t, b) =>
      t.http
        .post('/v1/slots/batch')
        .set(b.auth)
        .send({ slots: [{ practitioner: 'Dr. B', startsAt: '2026-12-04T11:00:00-06:00' }] }),
    expect: 'own',
  },
  'GET /v1/slots': { send: (t, b) => t.http.get('/v1/slots').set(b.auth), expect: 'own' },
  'POST /v1/simulator/inbound': {
    // A's patient texting B's number reaches B's inbox, never A's appointment
    send: (t, b, a) =>
      t.http.post('/v1/simulator/inbound').set(b.auth).send({ from: a.patientPhone, body: 'X' }),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'GET /v1/simulator/outbox': {
    // The number that texted B above is B's own contact now: B's answer to it is B's data.
    send: (t, b) => t.http.get('/v1/simulator/outbox').set(b.auth),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  // Routes of API.md that land with later issues: their rows wait here.
  'POST /v1/patients/:phone/opt-out': {
    send: (t, b, a) =>
      t.http.post(`/v1/patients/${a.phoneParam}/opt-out`).set(b.auth).send({ note: 'by B' }),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'GET /v1/patients/:phone/consent': {
    send: (t, b, a) => t.http.get(`/v1/patients/${a.phoneParam}/consent`).set(b.auth),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'GET /v1/conversations': {
    // The number that texted B (simulator row above) is B's own conversation now.
    send: (t, b) => t.http.get('/v1/conversations').query({ needsAttention: 'true' }).set(b.auth),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'GET /v1/conversations/:patientPhone': {
    send: (t, b, a) => t.http.get(`/v1/conversations/${a.phoneParam}`).set(b.auth),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'GET /v1/conversations/:patientPhone/export': {
    send: (t, b, a) => t.http.get(`/v1/conversations/${a.phoneParam}/export`).set(b.auth),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'POST /v1/conversations/:patientPhone/messages': {
    send: (t, b, a) =>
      t.http.post(`/v1/conversations/${a.phoneParam}/messages`).set(b.auth).send({ body: 'hi' }),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'POST /v1/conversations/:patientPhone/resolve': {
    send: (t, b, a) => t.http.post(`/v1/conversations/${a.phoneParam}/resolve`).set(b.auth),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'GET /v1/calendar-deliveries': {
    send: (t, b) => t.http.get('/v1/calendar-deliveries').set(b.auth),
    expect: 'own',
  },
  'POST /v1/calendar-deliveries/:id/retry': {
    send: (t, b, a) =>
      t.http.post(`/v1/calendar-deliveries/${a.deliveryId ?? randomUUID()}/retry`).set(b.auth),
    expect: 404,
  },
  'POST /v1/waitlist': {
    // A's patient on B's waitlist is B's own entry, never A's
    send: (t, b, a) =>
      t.http
        .post('/v1/waitlist')
        .set(b.auth)
        .send({ patient: { phone: a.patientPhone }, practitioner: 'Dr. B' }),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'GET /v1/waitlist': {
    // The entry B made above names that number: B's own data.
    send: (t, b) => t.http.get('/v1/waitlist').set(b.auth),
    expect: 'own',
    echoes: ['patientPhone'],
  },
  'DELETE /v1/waitlist/:id': {
    send: (t, b, a) => t.http.delete(`/v1/waitlist/${a.waitlistEntryId}`).set(b.auth),
    expect: 404,
  },
  'GET /v1/reports/backfill': {
    send: (t, b) =>
      t.http
        .get('/v1/reports/backfill')
        .query({ from: '2026-11-01', to: '2026-12-31', groupBy: 'practitioner' })
        .set(b.auth),
    expect: 'own',
  },
  'POST /v1/staff': {
    send: (t, b) =>
      t.http
        .post('/v1/staff')
        .set(b.auth)
        .send({
          name: 'B Person',
          email: `${uniqueId('b').toLowerCase()}@b.example`,
          role: 'staff',
        }),
    expect: 'own',
  },
  'GET /v1/staff': { send: (t, b) => t.http.get('/v1/staff').set(b.auth), expect: 'own' },
  'PATCH /v1/staff/:id': {
    send: (t, b, a) => t.http.patch(`/v1/staff/${a.staffId}`).set(b.auth).send({ role: 'admin' }),
    expect: 404,
  },
  'DELETE /v1/staff/:id': {
    send: (t, b, a) => t.http.delete(`/v1/staff/${a.staffId}`).set(b.auth),
    expect: 404,
  },
  'POST /v1/staff/:id/sign-in-links': {
    send: (t, b, a) => t.http.post(`/v1/staff/${a.staffId}/sign-in-links`).set(b.auth),
    expect: 404,
  },
  'GET /v1/console/session': {
    send: (t, b) => t.http.get('/v1/console/session').set(b.auth),
    expect: 'own',
  },
  'GET /v1/audit': {
    // B's own entries name what B asked for (A's patient's number, A's externalId)
    send: (t, b) => t.http.get('/v1/audit').set(b.auth),
    expect: 'own',
    echoes: ['patientPhone', 'externalId'],
  },
  'GET /v1/calendar-store': {
    send: (t, b) => t.http.get('/v1/calendar-store').set(b.auth),
    expect: 'own',
  },
  'GET /v1/reports/no-shows': {
    send: (t, b) =>
      t.http
        .get('/v1/reports/no-shows')
        .query({ from: '2026-11-01', to: '2026-12-31', groupBy: 'practitioner' })
        .set(b.auth),
    expect: 'own',
  },
  'POST /v1/experiments': {
    send: (t, b) =>
      t.http
        .post('/v1/experiments')
        .set(b.auth)
        .send({ name: 'B', variants: [{ key: 'a' }, { key: 'b' }], startsOn: '2026-11-26' }),
    expect: 'own',
  },
  'GET /v1/experiments': {
    send: (t, b) => t.http.get('/v1/experiments').set(b.auth),
    expect: 'own',
  },
  'GET /v1/experiments/ready-templates': {
    send: (t, b) => t.http.get('/v1/experiments/ready-templates').set(b.auth),
    expect: 'own',
  },
  'POST /v1/experiments/:id/end': {
    send: (t, b, a) => t.http.post(`/v1/experiments/${a.experimentId}/end`).set(b.auth),
    expect: 404,
  },
  'GET /v1/experiments/:id/results': {
    send: (t, b, a) => t.http.get(`/v1/experiments/${a.experimentId}/results`).set(b.auth),
    expect: 404,
  },
  'GET /v1/reports/surveys': {
    send: (t, b) =>
      t.http
        .get('/v1/reports/surveys')
        .query({ from: '2026-11-01', to: '2026-12-31', groupBy: 'practitioner', format: 'csv' })
        .set(b.auth),
    expect: 'own',
  },
  'GET /v1/surveys': {
    send: (t, b) =>
      t.http.get('/v1/surveys').query({ from: '2026-11-01', to: '2026-12-31' }).set(b.auth),
    expect: 'own',
  },
  'POST /v1/broadcasts': {
    send: (t, b) =>
      t.http
        .post('/v1/broadcasts')
        .set(b.auth)
        .send({ date: '2026-12-01', location: 'Main St', body: 'Closed today.', dryRun: true }),
    expect: 'own',
  },
  'GET /v1/broadcasts/:id': {
    send: (t, b, a) => t.http.get(`/v1/broadcasts/${a.broadcastId}`).set(b.auth),
    expect: 404,
  },
  'GET /v1/risk/model': {
    send: (t, b) => t.http.get('/v1/risk/model').set(b.auth),
    expect: 'own',
  },
  'GET /v1/appointments/call-list': {
    // A's appointment is on 1 December (Chicago): B's list of that day is B's own
    send: (t, b) =>
      t.http.get('/v1/appointments/call-list').query({ date: '2026-12-01' }).set(b.auth),
    expect: 'own',
  },
};

/**
 * Routes that are not clinic data: public, operator, or the console's own sign-in (a sign-in
 * link signs in as the key's own clinic: test/console/console-sign-in-link.e2e-spec.ts; a
 * passkey as its person's own clinic: test/staff/staff-accounts.e2e-spec.ts).
 */
const NOT_CLINIC_DATA = [
  /^POST \/v1\/clinics$/,
  /^(POST|DELETE) \/v1\/console\/session$/,
  /^POST \/v1\/console\/sign-in-links$/,
  /^POST \/v1\/console\/passkeys\//,
];

describe('tenant matrix: clinic B against clinic A', () => {
  let t: TestApp;
  let a: TestClinic;
  let b: TestClinic;
  let owned: Owned;
  let markers: string[];

  beforeAll(async () => {
    t = await startTestApp();
    const practitioner = `Dr. ${uniqueId('A')}`;
    const patientName = `Patient ${uniqueId('A')}`;
    a = await createClinic(t, {
      name: `Clinic ${uniqueId('A')}`,
      calendarWebhookUrl: 'http://127.0.0.1:9/unreachable',
    });
    b = await createClinic(t);
    const phone = uniquePhone();
    const experimentName = `Experiment ${uniqueId('A')}`;
    const experiment = await t.http
      .post('/v1/experiments')
      .set(a.auth)
      .send({
        name: experimentName,
        variants: [{ key: 'control' }, { key: 'early', reminderOffsets: ['P3D'] }],
        startsOn: '2026-11-26',
      })
      .expect(201);
    const input = appointmentInput({ practitioner, patient: { name: patientName, phone } });
    const created = await t.http.post('/v1/appointments').set(a.auth).send(input).expect(201);
    await t.http
      .post('/v1/slots/batch')
      .set(a.auth)
      .send({ slots: [{ practitioner, startsAt: '2026-12-04T10:00:00-06:00' }] })
      .expect(200);
    // a conversation of A's: a reply nobody understands waits for A's staff
    await t.http
      .post('/v1/simulator/inbound')
      .set(a.auth)
      .send({ from: phone, body: 'who is this?' })
      .expect(202);
    await processInbox(t);
    const entry = await t.http
      .post('/v1/waitlist')
      .set(a.auth)
      .send({ patient: { phone }, practitioner })
      .expect(201);
    // a broadcast of A's, and a survey answered with a comment
    const broadcast = await t.http
      .post('/v1/broadcasts')
      .set(a.auth)
      .send({ date: '2026-12-01', location: 'Main St', body: `Closed ${uniqueId('A')}` })
      .expect(201);
    await t.ds.query(
      `INSERT INTO surveys (clinic_id, appointment_id, patient_id, created_at, score, answered_at,
         comment)
       SELECT clinic_id, id, patient_id, now(), 2, now(), 'comment of A' FROM appointments
       WHERE id = $1`,
      [created.body.id],
    );
    // a calendar delivery of A's, where the build has them (a status change queues one)
    await t.http
      .patch(`/v1/appointments/${created.body.id}`)
      .set(a.auth)
      .send({ status: 'arrived' })
      .expect(200);
    const staffName = `Staff ${uniqueId('A')}`;
    const person = await t.http
      .post('/v1/staff')
      .set(a.auth)
      .send({ name: staffName, email: `${uniqueId('a').toLowerCase()}@a.example`, role: 'admin' })
      .expect(201);
    const deliveries: { id: string }[] = await t.ds
      .query('SELECT id FROM calendar_deliveries WHERE clinic_id = $1 LIMIT 1', [a.id])
      .catch(() => []);
    owned = {
      appointmentId: created.body.id,
      externalId: input.externalId as string,
      patientPhone: phone,
      phoneParam: encodeURIComponent(phone),
      deliveryId: deliveries[0]?.id ?? null,
      waitlistEntryId: entry.body.id,
      staffId: person.body.id,
      experimentId: experiment.body.id,
      broadcastId: broadcast.body.id,
    };
    markers = [
      a.id,
      created.body.id,
      input.externalId as string,
      phone,
      patientName,
      practitioner,
      a.body.name as string,
      entry.body.id,
      person.body.id,
      staffName,
      experimentName,
      experiment.body.id,
      broadcast.body.id,
      'comment of A',
    ];
  });
  afterAll(() => t.close());

  /** Every row of every table that carries clinic A's id, as one text. */
  async function stateOf(clinicId: string): Promise<string> {
    const tables: { table_name: string }[] = await t.ds.query(
      `SELECT table_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND column_name = 'clinic_id' ORDER BY table_name`,
    );
    const parts: string[] = [];
    for (const { table_name } of tables) {
      const [row] = await t.ds.query(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h
         FROM "${table_name}" x WHERE clinic_id = $1`,
        [clinicId],
      );
      parts.push(`${table_name}:${row.n}:${row.h}`);
    }
    const [clinic] = await t.ds.query('SELECT md5(c::text) AS h FROM clinics c WHERE id = $1', [
      clinicId,
    ]);
    return [...parts, `clinics:${clinic.h}`].join('\n');
  }

  it('has a row for every clinic route of the running app', () => {
    const clinicRoutes = listRoutes(t.app)
      .map(routeName)
      .filter((name) => / \/v1\//.test(name) && !NOT_CLINIC_DATA.some((p) => p.test(name)));
    expect(clinicRoutes.filter((name) => !(name in MATRIX))).toEqual([]);
  });

  it("never shows or changes clinic A's data to clinic B's key", async () => {
    const present = new Set(listRoutes(t.app).map(routeName));
    const before = await stateOf(a.id);
    const ran: string[] = [];
    for (const [route, row] of Object.entries(MATRIX)) {
      if (!present.has(route)) continue;
      const res = await row.send(t, b, owned);
      await processInbox(t);
      const text = JSON.stringify(res.body) + (res.text ?? '');
      // what B itself sent (A's externalId, A's patient's number) may come back to B
      const echoed = (row.echoes ?? []).map((k) => owned[k]);
      const leaked = markers.filter((m) => !echoed.includes(m) && text.includes(m));
      expect({ route, status: res.status, leaked }).toEqual({
        route,
        status: row.expect === 404 ? 404 : expect.any(Number),
        leaked: [],
      });
      expect(res.status).toBeLessThan(500);
      ran.push(route);
    }
    expect(ran.length).toBeGreaterThanOrEqual(11);
    expect(await stateOf(a.id)).toBe(before);
    // and A still sees its own
    const mine = await t.http
      .get(`/v1/appointments/${owned.appointmentId}`)
      .set(a.auth)
      .expect(200);
    expect(mine.body.status).toBe('arrived');
  });

  it('answers an id that does not exist anywhere exactly like one of another clinic (404)', async () => {
    const theirs = await t.http.get(`/v1/appointments/${owned.appointmentId}`).set(b.auth);
    const nobodys = await t.http.get(`/v1/appointments/${randomUUID()}`).set(b.auth);
    expect([theirs.status, theirs.body]).toEqual([nobodys.status, nobodys.body]);
  });
});
