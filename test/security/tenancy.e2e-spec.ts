import { appointmentInput, createClinic } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

describe('tenant isolation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it("never lets one clinic read or change another clinic's appointments (404)", async () => {
    const a = await createClinic(t);
    const b = await createClinic(t);
    const input = appointmentInput();
    const mine = await t.http.post('/v1/appointments').set(a.auth).send(input).expect(201);

    await t.http.get(`/v1/appointments/${mine.body.id}`).set(b.auth).expect(404);
    await t.http
      .patch(`/v1/appointments/${mine.body.id}`)
      .set(b.auth)
      .send({ status: 'cancelled' })
      .expect(404);
    const list = await t.http
      .get('/v1/appointments')
      .query({ externalId: input.externalId })
      .set(b.auth)
      .expect(200);
    expect(list.body.items).toEqual([]);

    // the same externalId in clinic B is B's own appointment, not an update of A's
    const theirs = await t.http.post('/v1/appointments').set(b.auth).send(input).expect(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    const still = await t.http.get(`/v1/appointments/${mine.body.id}`).set(a.auth).expect(200);
    expect(still.body.status).toBe('scheduled');
  });

  it('scopes open slots to the clinic', async () => {
    const a = await createClinic(t);
    const b = await createClinic(t);
    await t.http
      .post('/v1/slots/batch')
      .set(a.auth)
      .send({ slots: [{ practitioner: 'Dr. Kim', startsAt: '2026-12-04T10:00:00-06:00' }] })
      .expect(200);
    const seenByB = await t.http.get('/v1/slots').set(b.auth).expect(200);
    expect(seenByB.body.items).toEqual([]);
    const seenByA = await t.http.get('/v1/slots').set(a.auth).expect(200);
    expect(seenByA.body.items).toHaveLength(1);
  });

  it('answers 404, not 500, for ids that are not uuids', async () => {
    const a = await createClinic(t);
    await t.http.get('/v1/appointments/not-a-uuid').set(a.auth).expect(404);
  });
});
