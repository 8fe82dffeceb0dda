import { AuditRetention } from '../../src/audit/audit-retention.service';
import {
  appointmentInput,
  createClinic,
  TestClinic,
  uniqueId,
  uniquePhone,
} from '../support/factories';
import { listRoutes } from '../support/routes';
import { addPerson, SignedInPerson } from '../support/staff';
import { startTestApp, TestApp } from '../support/test-app';

const email = () => `${uniqueId('a').toLowerCase()}@clinic.example`;

interface Entry {
  id: string;
  at: string;
  actor: { type: string; id: string | null; name: string };
  action: string;
  patientPhone: string | null;
  appointmentId: string | null;
  clientAddress: string | null;
}

/**
 * The audit trail (API.md, Staff accounts and audit): each read of patient data and each change
 * leaves an entry naming the actor, written in the change's own transaction; GET /v1/audit
 * filters it, newest first, in JSON and CSV; no route, statement or job changes an entry, and
 * only retention deletes one, past the clinic's auditRetentionDays.
 */
describe('audit trail', () => {
  let t: TestApp;
  let clinic: TestClinic;
  let rosa: SignedInPerson;
  let ben: SignedInPerson;
  beforeAll(async () => {
    t = await startTestApp();
    clinic = await createClinic(t);
    rosa = await addPerson(t, clinic, { name: 'Rosa Diaz', email: email(), role: 'admin' });
    ben = await addPerson(
      t,
      { auth: rosa.auth },
      { name: '=Ben Okafor', email: email(), role: 'staff' },
    );
  });
  afterAll(() => t.close());

  async function audit(query = ''): Promise<Entry[]> {
    return (await t.http.get(`/v1/audit${query}`).set(rosa.auth).expect(200)).body.items;
  }

  it('records reads and changes under the actor, in the change’s own transaction; filters; CSV', async () => {
    const phone = uniquePhone();
    const created = await t.http
      .post('/v1/appointments')
      .set(clinic.auth)
      .send(appointmentInput({ patient: { name: 'Ana Diaz', phone } }))
      .expect(201);
    const id = created.body.id as string;
    t.clock.advance(1000);
    await t.http.get(`/v1/appointments/${id}`).set(ben.auth).expect(200);
    t.clock.advance(1000);
    await t.http
      .patch(`/v1/appointments/${id}`)
      .set(ben.auth)
      .send({ status: 'arrived' })
      .expect(200);
    t.clock.advance(1000);
    await t.http
      .post(`/v1/conversations/${encodeURIComponent(phone)}/messages`)
      .set(ben.auth)
      .send({ body: 'See you soon.' })
      .expect(201);
    t.clock.advance(1000);
    await t.http
      .get(`/v1/conversations/${encodeURIComponent(phone)}`)
      .set(ben.auth)
      .expect(200);
    t.clock.advance(1000);
    // refused changes leave nothing
    await t.http
      .patch(`/v1/appointments/${id}`)
      .set(ben.auth)
      .send({ status: 'cancelled' })
      .expect(409);

    const mine = await audit(`?patientPhone=${encodeURIComponent(phone)}`);
    expect(mine.map((e) => [e.actor.type, e.actor.name, e.action, e.appointmentId])).toEqual([
      ['person', '=Ben Okafor', 'getConversation', null],
      ['person', '=Ben Okafor', 'sendStaffReply', null],
      ['person', '=Ben Okafor', 'patchAppointment', id],
      ['person', '=Ben Okafor', 'getAppointment', id],
      ['integration', 'integration key', 'upsertAppointment', null],
    ]);
    expect(mine.every((e) => e.patientPhone === phone && e.clientAddress)).toBe(true);
    expect(mine[2].actor.id).toBe(ben.id);

    // the change and its entry are one transaction
    const [{ same }] = await t.ds.query(
      `SELECT (SELECT xmin::text FROM appointments WHERE id = $1) =
              (SELECT xmin::text FROM audit_entries WHERE appointment_id = $1 AND action = 'patchAppointment') AS same`,
      [id],
    );
    expect(same).toBe(true);

    // a national number is read in the clinic's country, as everywhere in the API
    const national = await audit(`?patientPhone=${phone.slice(2)}`);
    expect(national.map((e) => e.id)).toEqual(mine.map((e) => e.id));
    const wrong = await t.http.get('/v1/audit?patientPhone=12').set(rosa.auth).expect(400);
    expect(wrong.body.message).toEqual(['patientPhone must be a valid phone number']);
    expect((await audit(`?actor=${ben.id}`)).every((e) => e.actor.id === ben.id)).toBe(true);
    expect((await audit('?actor=integration')).every((e) => e.actor.type === 'integration')).toBe(
      true,
    );
    const from = mine[2].at;
    const window = await audit(
      `?patientPhone=${encodeURIComponent(phone)}&from=${from}&to=${mine[0].at}`,
    );
    expect(window.map((e) => e.action)).toEqual(['sendStaffReply', 'patchAppointment']);
    const bad = await t.http.get('/v1/audit?from=yesterday&actor=bob').set(rosa.auth).expect(400);
    expect(bad.body.message.join(' ')).toMatch(/from.*actor|actor.*from/);

    const csv = await t.http
      .get(`/v1/audit?format=csv&patientPhone=${encodeURIComponent(phone)}`)
      .set(clinic.auth)
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'at,actorType,actorId,actorName,action,patientPhone,appointmentId,targetId,clientAddress',
    );
    // a name that starts like a formula is defused, as in every CSV the service writes
    expect(lines[1]).toContain(`,person,${ben.id},'=Ben Okafor,getConversation,'${phone},`);
    expect(lines).toHaveLength(6);
  });

  it('lets nothing change or delete an entry: not SQL, not any route', async () => {
    const snapshot = async () =>
      t.ds.query(`SELECT * FROM audit_entries WHERE clinic_id = $1 ORDER BY id`, [clinic.id]);
    const before = await snapshot();
    expect(before.length).toBeGreaterThan(3);
    for (const sql of [
      `UPDATE audit_entries SET actor_name = 'nobody' WHERE clinic_id = $1`,
      `DELETE FROM audit_entries WHERE clinic_id = $1`,
    ]) {
      await expect(t.ds.query(sql, [clinic.id])).rejects.toThrow(/append-only/);
    }
    await expect(t.ds.query(`TRUNCATE audit_entries`)).rejects.toThrow(/append-only/);
    // even with the retention job's switch on, nothing younger than the retention goes
    await expect(
      t.ds.transaction(async (m) => {
        await m.query(`SELECT set_config('turnout.audit_retention', 'on', true)`);
        await m.query(`DELETE FROM audit_entries WHERE clinic_id = $1`, [clinic.id]);
      }),
    ).rejects.toThrow(/append-only/);

    // every route, as the key and as an admin, with and without a body: earlier entries stay
    const callers = [clinic.auth, rosa.auth];
    const phone = encodeURIComponent(before[0].patient_phone ?? uniquePhone());
    for (const route of listRoutes(t.app)) {
      if (route.path === '/v1/console/session' && route.method === 'DELETE') continue;
      const path = route.path
        .replace(/:(\w+)/g, (_, name: string) =>
          /phone/i.test(name) ? phone : name === 'id' ? (before[0].appointment_id ?? 'x') : 'x',
        )
        .replace('{*path}', 'x');
      const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
      for (const headers of callers) {
        const req = t.http[method](path).set(headers);
        await (['GET', 'DELETE'].includes(route.method) ? req : req.send({})).catch(
          () => undefined,
        );
      }
    }
    await t.app.get(AuditRetention).pass();
    const after = await snapshot();
    expect(after.slice(0, before.length)).toEqual(before);
  });

  it('keeps entries for auditRetentionDays, then the due-work pass deletes them, and only them', async () => {
    const short = await createClinic(t);
    const long = await createClinic(t);
    const bad = await t.http
      .patch('/v1/clinic')
      .set(short.auth)
      .send({ auditRetentionDays: 0 })
      .expect(400);
    expect(bad.body.message.join(' ')).toMatch(/auditRetentionDays/);
    const patched = await t.http
      .patch('/v1/clinic')
      .set(short.auth)
      .send({ auditRetentionDays: 1 })
      .expect(200);
    expect(patched.body.auditRetentionDays).toBe(1);
    expect(
      (await t.http.get('/v1/clinic').set(long.auth).expect(200)).body.auditRetentionDays,
    ).toBe(2190);

    const now = t.clock.now();
    t.clock.set(new Date(now.getTime() - 3 * 86_400_000));
    for (const c of [short, long]) await t.http.get('/v1/appointments').set(c.auth).expect(200);
    t.clock.set(now);
    for (const c of [short, long]) await t.http.get('/v1/appointments').set(c.auth).expect(200);

    await t.app.get(AuditRetention).pass();
    const left = async (c: TestClinic) =>
      (
        await t.ds.query(
          `SELECT action, actor_type, target_id, at FROM audit_entries WHERE clinic_id = $1 ORDER BY id`,
          [c.id],
        )
      ).map((r: { action: string; actor_type: string; target_id: string | null; at: Date }) => [
        r.action,
        r.actor_type,
        r.target_id,
        r.at.toISOString() === now.toISOString(),
      ]);
    expect(await left(short)).toEqual([
      ['updateClinic', 'integration', null, true],
      ['listAppointments', 'integration', null, true],
      ['auditRetentionPurge', 'system', '1', true],
    ]);
    expect(await left(long)).toEqual([
      ['listAppointments', 'integration', null, false],
      ['listAppointments', 'integration', null, true],
    ]);
  });
});
