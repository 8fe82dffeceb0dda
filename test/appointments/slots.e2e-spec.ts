import { appointmentInput, createClinic } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

describe('open slots', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('uploads slots with per-item results and lists only open future ones', async () => {
    const c = await createClinic(t);
    const res = await t.http
      .post('/v1/slots/batch')
      .set(c.auth)
      .send({
        slots: [
          {
            practitioner: 'Dr. Kim',
            location: 'Main St',
            startsAt: '2026-12-03T10:00:00-06:00',
            durationMinutes: 30,
          },
          { practitioner: 'Dr. Kim', startsAt: '2026-12-03T11:00:00' },
          { practitioner: 'Dr. Lee', startsAt: '2026-11-20T11:00:00' },
          { practitioner: '', startsAt: '2026-12-03T11:00:00' },
          { practitioner: 'Dr. Kim', startsAt: '2026-12-03T11:00:00' },
        ],
      })
      .expect(200);
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      'created',
      'created',
      'created',
      'error',
      'error',
    ]);
    const again = await t.http
      .post('/v1/slots/batch')
      .set(c.auth)
      .send({
        slots: [
          {
            practitioner: 'Dr. Kim',
            location: 'Main St',
            startsAt: '2026-12-03T10:00:00-06:00',
            durationMinutes: 30,
          },
        ],
      })
      .expect(200);
    expect(again.body.results[0].outcome).toBe('unchanged');

    // an appointment occupying 11:00 hides that slot
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ practitioner: 'Dr. Kim', startsAt: '2026-12-03T11:00:00' }))
      .expect(201);
    const open = await t.http
      .get('/v1/slots')
      .query({ practitioner: 'Dr. Kim' })
      .set(c.auth)
      .expect(200);
    expect(open.body.items).toEqual([
      expect.objectContaining({
        practitioner: 'Dr. Kim',
        startsAt: '2026-12-03T16:00:00.000Z',
        location: 'Main St',
      }),
    ]);
    const all = await t.http.get('/v1/slots').set(c.auth).expect(200);
    expect(all.body.items.map((s: { practitioner: string }) => s.practitioner)).not.toContain(
      'Dr. Lee',
    ); // past
  });
});
