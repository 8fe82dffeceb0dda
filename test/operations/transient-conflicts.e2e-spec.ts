import { Client } from 'pg';
import { appointmentInput, createClinic, TestClinic } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A request whose transaction PostgreSQL aborts to break a deadlock is answered 503 with a short
 * Retry-After, never a 500: the transaction rolled back whole, so nothing it did stays, and the
 * same request sent again succeeds. The deadlock here is real: another session holds the
 * appointment's reminders while a staff PATCH holds the appointment and waits for them, then
 * asks for the appointment.
 */
describe('a transaction that meets a deadlock', () => {
  let t: TestApp;
  let c: TestClinic;
  let other: Client;
  beforeAll(async () => {
    t = await startTestApp();
    c = await createClinic(t);
    other = new Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await t.close();
  });

  it('answers 503 with Retry-After, writes nothing, and the retry succeeds', async () => {
    const created = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput())
      .expect(201);
    const id: string = created.body.id;
    expect(created.body.reminders.some((r: { status: string }) => r.status === 'pending')).toBe(
      true,
    );

    await other.query('BEGIN');
    // This session must not be the one PostgreSQL aborts: the PATCH's backend checks first.
    await other.query(`SET LOCAL deadlock_timeout = '30s'`);
    await other.query(`SELECT 1 FROM reminders WHERE appointment_id = $1 FOR UPDATE`, [id]);
    const { rows } = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const otherPid = rows[0].pid;

    const patch = t.http.patch(`/v1/appointments/${id}`).set(c.auth).send({ status: 'arrived' });
    const answered = patch.then((res) => res);
    // Wait until the PATCH holds the appointment and waits for the reminders this session holds.
    for (let i = 0; ; i++) {
      const blocked = await t.ds.query(
        `SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
        [otherPid],
      );
      if (blocked.length > 0) break;
      if (i > 200) throw new Error('the PATCH never waited for the held reminders');
      await new Promise((r) => setTimeout(r, 25));
    }
    const closing = other.query(`SELECT 1 FROM appointments WHERE id = $1 FOR UPDATE`, [id]);

    const res = await answered;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: ['a concurrent change to the same data got in the way; nothing was written; retry'],
    });
    await closing;
    await other.query('ROLLBACK');

    // Nothing of the aborted PATCH stayed: status, history, reminders as before.
    const before = await t.http.get(`/v1/appointments/${id}`).set(c.auth).expect(200);
    expect(before.body.status).toBe('scheduled');
    expect(before.body.history.map((h: { event: string }) => h.event)).toEqual(['CREATED']);
    expect(before.body.reminders).toEqual(created.body.reminders);

    const retried = await t.http
      .patch(`/v1/appointments/${id}`)
      .set(c.auth)
      .send({ status: 'arrived' })
      .expect(200);
    expect(retried.body.status).toBe('arrived');
    expect(retried.body.history.at(-1)).toMatchObject({ event: 'STAFF_ARRIVED', source: 'staff' });
  });
});
