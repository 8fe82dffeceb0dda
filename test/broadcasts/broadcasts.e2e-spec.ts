import { BroadcastSender } from '../../src/broadcasts/broadcast-sender.service';
import { dispatcherOf } from '../support/dispatch-helpers';
import { appointmentInput, createClinic, TestClinic, uniquePhone } from '../support/factories';
import { deliveriesOf, reply, statusOf } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';

const BODY = 'Lakeside Dental is closed today because of snow. We will call you to rebook.';

describe('broadcasts', () => {
  let t: TestApp;
  let c: TestClinic;

  beforeAll(async () => {
    t = await startTestApp({ now: '2026-10-30T12:00:00Z' });
  });
  beforeEach(async () => {
    c = await createClinic(t, { calendarWebhookUrl: 'https://pms.example/turnout-events' });
  });
  afterAll(() => t.close());

  const sender = () => t.app.get(BroadcastSender);

  async function book(phone: string, startsAt: string, over: Record<string, unknown> = {}) {
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(
        appointmentInput({
          patient: { name: 'Ana Diaz', phone, language: 'en' },
          startsAt,
          ...over,
        }),
      )
      .expect(201);
    return res.body.id as string;
  }

  /**
   * Sun Nov 1 2026, the day Chicago falls back (25 hours): two visits of one patient, one of
   * another, one of a patient who opted out; around them visits out of scope.
   */
  async function closureDay() {
    const [twice, once, optedOut] = [uniquePhone(), uniquePhone(), uniquePhone()];
    const inScope = [
      await book(twice, '2026-11-01T00:30:00-05:00'), // before the change, CDT
      await book(twice, '2026-11-01T23:30:00-06:00'), // the day's last hour, CST
      await book(once, '2026-11-01T10:00:00-06:00'),
      await book(optedOut, '2026-11-01T11:00:00-06:00'),
    ];
    await book(once, '2026-11-02T00:15:00-06:00'); // the next day
    await book(uniquePhone(), '2026-11-01T09:00:00-06:00', { location: 'Elm St' });
    const gone = await book(uniquePhone(), '2026-11-01T12:00:00-06:00');
    await t.http.patch(`/v1/appointments/${gone}`).set(c.auth).send({ status: 'cancelled' });
    await reply(t, c, optedOut, 'STOP');
    return { twice, once, optedOut, inScope };
  }

  const request = (over: Record<string, unknown> = {}) => ({
    date: '2026-11-01',
    practitioner: null,
    location: 'Main St',
    body: BODY,
    cancelAppointments: true,
    dryRun: false,
    ...over,
  });

  const textsTo = (phone: string) =>
    t.ds.query(
      `SELECT body, priority FROM messages WHERE clinic_id = $1 AND to_number = $2
       AND kind = 'broadcast'`,
      [c.id, phone],
    );

  it('a dry run counts the local day, each patient once, opted-out counted apart; nothing kept', async () => {
    await closureDay();
    const res = await t.http
      .post('/v1/broadcasts')
      .set(c.auth)
      .send(request({ dryRun: true }))
      .expect(201);
    expect(res.body).toEqual({
      id: null,
      recipients: 2,
      optedOut: 1,
      appointments: 4,
      segments: 1,
      dryRun: true,
    });
    const [{ n }] = await t.ds.query(
      'SELECT count(*)::int AS n FROM broadcasts WHERE clinic_id = $1',
      [c.id],
    );
    expect(n).toBe(0);
  });

  it('texts each patient once ahead of routine texts, cancels and writes back; the same key sends once', async () => {
    const day = await closureDay();
    const key = { 'Idempotency-Key': `closure-${c.id}` };
    const made = await t.http
      .post('/v1/broadcasts')
      .set(c.auth)
      .set(key)
      .send(request())
      .expect(201);
    expect(made.body).toMatchObject({ recipients: 2, optedOut: 1, appointments: 4, segments: 1 });

    // Written in batches: one patient per transaction here.
    expect(await sender().runOnce(1)).toBe(1);
    const partway = await t.http.get(`/v1/broadcasts/${made.body.id}`).set(c.auth).expect(200);
    expect(partway.body).toMatchObject({ processed: 1, done: false });
    while ((await sender().runOnce(1)) > 0);

    const again = await t.http
      .post('/v1/broadcasts')
      .set(c.auth)
      .set(key)
      .send(request())
      .expect(201);
    expect(again.body).toEqual(made.body);
    expect(await sender().runOnce()).toBe(0);
    const clash = await t.http
      .post('/v1/broadcasts')
      .set(c.auth)
      .set(key)
      .send(request({ body: 'Open after all.' }))
      .expect(409);
    expect(JSON.stringify(clash.body.message)).toContain('Idempotency-Key');

    expect(await textsTo(day.twice)).toEqual([{ body: BODY, priority: 0 }]);
    expect(await textsTo(day.once)).toEqual([{ body: BODY, priority: 0 }]);
    expect(await textsTo(day.optedOut)).toEqual([]);
    for (const id of day.inScope) {
      expect(await statusOf(t, id)).toBe('cancelled');
      expect((await deliveriesOf(t, id)).map((d) => d.type)).toEqual(['appointment.cancelled']);
    }
    const [{ source }] = await t.ds.query(
      `SELECT source FROM appointment_events WHERE appointment_id = $1 AND event = 'STAFF_CANCEL'`,
      [day.inScope[0]],
    );
    expect(source).toBe('staff');

    await dispatcherOf(t).tick();
    const view = await t.http.get(`/v1/broadcasts/${made.body.id}`).set(c.auth).expect(200);
    expect(view.body).toMatchObject({
      id: made.body.id,
      date: '2026-11-01',
      location: 'Main St',
      practitioner: null,
      cancelAppointments: true,
      recipients: 2,
      optedOut: 1,
      processed: 3,
      done: true,
      messages: expect.objectContaining({ pending: 0, queued: 2, failed: 0 }),
    });
  });

  it('refuses a body over 3 segments, a date that is not one, and answers 404 for another id', async () => {
    const long = await t.http
      .post('/v1/broadcasts')
      .set(c.auth)
      .send(request({ body: 'x'.repeat(460) }))
      .expect(400);
    expect(JSON.stringify(long.body.message)).toContain('body');
    const date = await t.http
      .post('/v1/broadcasts')
      .set(c.auth)
      .send(request({ date: '2026-02-30' }))
      .expect(400);
    expect(JSON.stringify(date.body.message)).toContain('date');
    await t.http
      .post('/v1/broadcasts')
      .set(c.auth)
      .send(request({ extra: 1 }))
      .expect(400);
    await t.http.get('/v1/broadcasts/00000000-0000-4000-8000-000000000000').set(c.auth).expect(404);
    await t.http.get('/v1/broadcasts/nope').set(c.auth).expect(404);
  });
});
