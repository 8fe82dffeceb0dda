import { BroadcastSender } from '../../src/broadcasts/broadcast-sender.service';
import { SurveySender } from '../../src/surveys/survey-sender.service';
import { DailyCapRetention } from '../../src/outbound/claim/daily-cap-retention.service';
import { dispatcherOf, remindersOf } from '../support/dispatch-helpers';
import { appointmentInput, createClinic, TestClinic, uniquePhone } from '../support/factories';
import { reply } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The clinic's `maxRoutineTextsPerPatientPerDay`: routine texts (reminders, surveys, offers) to
 * one patient on one of the clinic's local days; one over waits for the next day when still
 * useful, else is skipped (`patient_daily_cap`); answers, staff texts and broadcasts always go.
 */
describe('the per-patient daily cap of routine texts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: '2026-10-30T12:00:00Z' });
  });
  beforeEach(() => t.clock.set('2026-10-30T12:00:00Z'));
  afterAll(() => t.close());

  async function book(c: TestClinic, phone: string, startsAt: string, over = {}) {
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ patient: { name: 'Ana Diaz', phone }, startsAt, ...over }))
      .expect(201);
    return res.body.id as string;
  }

  /** Each reminder of these appointments dispatched at its due time, earliest first. */
  async function dispatchAt(...instants: string[]) {
    for (const at of instants) {
      t.clock.set(at);
      await dispatcherOf(t).tick();
    }
  }

  const reminderOf = async (appointmentId: string) => (await remindersOf(t, appointmentId))[0];

  /** What went to `phone` from the clinic, by kind and status, oldest first. */
  const textsTo = (c: TestClinic, phone: string) =>
    t.ds.query(
      `SELECT kind, status, error_code FROM messages
       WHERE clinic_id = $1 AND to_number = $2 AND direction = 'outbound'
       ORDER BY created_at, id`,
      [c.id, phone],
    );

  it('is 3 by default, can be changed or turned off (null), and refuses what is not a count of 1 or more', async () => {
    const c = await createClinic(t);
    expect(c.body.maxRoutineTextsPerPatientPerDay).toBe(3);
    for (const bad of [0, -1, 1.5, '2', 101, true]) {
      const res = await t.http
        .patch('/v1/clinic')
        .set(c.auth)
        .send({ maxRoutineTextsPerPatientPerDay: bad })
        .expect(400);
      expect(JSON.stringify(res.body.message)).toContain('maxRoutineTextsPerPatientPerDay');
    }
    const off = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ maxRoutineTextsPerPatientPerDay: null })
      .expect(200);
    expect(off.body.maxRoutineTextsPerPatientPerDay).toBeNull();
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ maxRoutineTextsPerPatientPerDay: 5 })
      .expect(200);
    const read = await t.http.get('/v1/clinic').set(c.auth).expect(200);
    expect(read.body.maxRoutineTextsPerPatientPerDay).toBe(5);
  });

  it('cap 2, three reminders due one day: two go, the third waits for the next morning and goes then', async () => {
    const c = await createClinic(t, {
      reminderOffsets: ['P1D'],
      maxRoutineTextsPerPatientPerDay: 2,
    });
    const phone = uniquePhone();
    // Wed Dec 9, 10:00 / 11:00 / 12:00 Chicago: reminders due Tue Dec 8, 16:00Z / 17:00Z / 18:00Z.
    const ids = [
      await book(c, phone, '2026-12-09T10:00:00'),
      await book(c, phone, '2026-12-09T11:00:00'),
      await book(c, phone, '2026-12-09T12:00:00'),
    ];
    const other = uniquePhone();
    const otherId = await book(c, other, '2026-12-09T12:00:00');
    await dispatchAt('2026-12-08T16:00:00Z', '2026-12-08T17:00:00Z', '2026-12-08T18:00:00Z');

    expect((await reminderOf(ids[0])).status).toBe('sent');
    expect((await reminderOf(ids[1])).status).toBe('sent');
    expect(await reminderOf(ids[2])).toMatchObject({
      status: 'pending',
      reason: 'patient_daily_cap',
      // the next day, at the end of the quiet hours (08:00 CST)
      run_at: new Date('2026-12-09T14:00:00Z'),
    });
    // Another patient's reminder is not held back by this one's cap.
    expect((await reminderOf(otherId)).status).toBe('sent');
    expect(await textsTo(c, phone)).toEqual([
      { kind: 'reminder', status: 'queued', error_code: null },
      { kind: 'reminder', status: 'queued', error_code: null },
    ]);

    await dispatchAt('2026-12-09T14:00:00Z');
    expect((await reminderOf(ids[2])).status).toBe('sent');
    expect(await textsTo(c, phone)).toHaveLength(3);
  });

  it('one over the cap that would be no use tomorrow is skipped; answers, staff texts and broadcasts still go', async () => {
    const c = await createClinic(t, {
      reminderOffsets: ['PT1H'],
      maxRoutineTextsPerPatientPerDay: 2,
    });
    const phone = uniquePhone();
    // Tue Dec 8, 10:00 / 11:00 / 12:00 Chicago: reminders 15:00Z / 16:00Z / 17:00Z.
    const ids = [
      await book(c, phone, '2026-12-08T10:00:00'),
      await book(c, phone, '2026-12-08T11:00:00'),
      await book(c, phone, '2026-12-08T12:00:00'),
    ];
    await dispatchAt('2026-12-08T15:00:00Z', '2026-12-08T16:00:00Z', '2026-12-08T17:00:00Z');
    expect((await reminderOf(ids[2])).status).toBe('skipped');
    expect((await reminderOf(ids[2])).reason).toBe('patient_daily_cap');

    // The patient's own text is answered, staff can write, and a closure notice reaches them.
    await reply(t, c, phone, 'C');
    await t.http
      .post(`/v1/conversations/${encodeURIComponent(phone)}/messages`)
      .set(c.auth)
      .send({ body: 'See you soon.' })
      .expect(201);
    await t.http
      .post('/v1/broadcasts')
      .set(c.auth)
      .send({
        date: '2026-12-08',
        practitioner: null,
        location: null,
        body: 'Lakeside Dental closes at noon today.',
        cancelAppointments: false,
        dryRun: false,
      })
      .expect(201);
    while ((await t.app.get(BroadcastSender).runOnce()) > 0);
    await dispatcherOf(t).tick();

    const texts = await textsTo(c, phone);
    expect(texts.map((m: { kind: string }) => m.kind).sort()).toEqual([
      'broadcast',
      'reminder',
      'reminder',
      'staff',
      'workflow_reply',
    ]);
    expect(texts.every((m: { status: string }) => m.status === 'queued')).toBe(true);
  });

  it('counts a survey: over the cap and stale by tomorrow, it is not sent (patient_daily_cap)', async () => {
    const c = await createClinic(t, {
      reminderOffsets: ['PT1H'],
      maxRoutineTextsPerPatientPerDay: 1,
      survey: { enabled: true, afterMinutes: 60 },
    });
    const phone = uniquePhone();
    const id = await book(c, phone, '2026-12-08T09:00:00', { practitioner: 'Dr. Kim' });
    await dispatchAt('2026-12-08T14:00:00Z');
    expect((await reminderOf(id)).status).toBe('sent');

    // The visit ends 15:30Z; the survey is due an hour later, the same local day.
    t.clock.set('2026-12-08T16:30:00Z');
    await t.http.patch(`/v1/appointments/${id}`).set(c.auth).send({ status: 'completed' });
    expect(await t.app.get(SurveySender).runOnce()).toBe(1);
    await dispatcherOf(t).tick();
    expect(await textsTo(c, phone)).toEqual([
      { kind: 'reminder', status: 'queued', error_code: null },
      { kind: 'survey', status: 'failed', error_code: 'patient_daily_cap' },
    ]);
  });

  it('a survey over the cap that is still fresh tomorrow waits for the clinic’s next day', async () => {
    const c = await createClinic(t, {
      quietHours: null,
      reminderOffsets: ['PT1H'],
      maxRoutineTextsPerPatientPerDay: 1,
      survey: { enabled: true, afterMinutes: 30 },
    });
    const phone = uniquePhone();
    // 20:00-20:30 Chicago: the reminder at 19:00 (01:00Z), the survey at 21:00 (03:00Z), which
    // stays fresh for 12 hours: past the clinic's midnight (06:00Z).
    const id = await book(c, phone, '2026-12-08T20:00:00', { practitioner: 'Dr. Kim' });
    await dispatchAt('2026-12-09T01:00:00Z');
    t.clock.set('2026-12-09T03:00:00Z');
    await t.http.patch(`/v1/appointments/${id}`).set(c.auth).send({ status: 'completed' });
    expect(await t.app.get(SurveySender).runOnce()).toBe(1);
    await dispatcherOf(t).tick();
    const [waiting] = await t.ds.query(
      `SELECT status, run_at FROM messages WHERE clinic_id = $1 AND kind = 'survey'`,
      [c.id],
    );
    expect(waiting).toEqual({ status: 'pending', run_at: new Date('2026-12-09T06:00:00Z') });

    await dispatchAt('2026-12-09T06:00:00Z');
    expect(await textsTo(c, phone)).toEqual([
      { kind: 'reminder', status: 'queued', error_code: null },
      { kind: 'survey', status: 'queued', error_code: null },
    ]);
  });

  it('counts the clinic’s local day: the 25 hours of a fall-back day are one day', async () => {
    const c = await createClinic(t, {
      timezone: 'America/New_York',
      quietHours: null,
      reminderOffsets: ['PT1H'],
      maxRoutineTextsPerPatientPerDay: 2,
    });
    const phone = uniquePhone();
    // Sun Nov 1 2026 in New York runs from 04:00Z to 05:00Z on Nov 2 (clocks fall back at 02:00).
    const ids = [
      await book(c, phone, '2026-11-01T01:15:00-04:00'), // reminder 00:15 EDT = 04:15Z Nov 1
      await book(c, phone, '2026-11-01T13:00:00-05:00'), // reminder 12:00 EST = 17:00Z
      await book(c, phone, '2026-11-02T00:45:00-05:00'), // reminder 23:45 EST = 04:45Z Nov 2
      await book(c, phone, '2026-11-02T01:30:00-05:00'), // reminder 00:30 EST Nov 2 = 05:30Z
    ];
    await dispatchAt('2026-11-01T04:15:00Z', '2026-11-01T17:00:00Z', '2026-11-02T04:45:00Z');
    // 23:45 is still Nov 1 in New York, though 24.75 hours after its midnight and on Nov 2 in UTC:
    // over the cap, and waiting for New York's midnight is still useful (no quiet hours).
    expect(await reminderOf(ids[2])).toMatchObject({
      status: 'pending',
      reason: 'patient_daily_cap',
      run_at: new Date('2026-11-02T05:00:00Z'),
    });
    await dispatchAt('2026-11-02T05:00:00Z', '2026-11-02T05:30:00Z');
    // Nov 2 has room for two: the one that waited and the next.
    expect((await reminderOf(ids[2])).status).toBe('sent');
    expect((await reminderOf(ids[3])).status).toBe('sent');
    expect(await textsTo(c, phone)).toHaveLength(4);
  });

  it('forgets a day’s counts once that day is over in every zone', async () => {
    const c = await createClinic(t, { quietHours: null, reminderOffsets: ['PT1H'] });
    const phone = uniquePhone();
    await book(c, phone, '2026-11-10T15:00:00Z');
    await book(c, phone, '2026-11-11T15:00:00Z');
    await dispatchAt('2026-11-10T14:00:00Z', '2026-11-11T14:00:00Z');
    const days = async () =>
      (
        await t.ds.query<{ day: string }[]>(
          `SELECT d.day::text AS day FROM patient_daily_texts d
           JOIN patients p ON p.id = d.patient_id WHERE p.clinic_id = $1 ORDER BY d.day`,
          [c.id],
        )
      ).map((r) => r.day);
    expect(await days()).toEqual(['2026-11-10', '2026-11-11']);
    // Nov 12 at 10:00 UTC it is still Nov 11 at UTC-12: that day is kept, Nov 10 goes.
    t.clock.set('2026-11-12T10:00:00Z');
    await t.app.get(DailyCapRetention).pass();
    expect(await days()).toEqual(['2026-11-11']);
    t.clock.set('2026-11-13T00:30:00Z');
    await t.app.get(DailyCapRetention).pass();
    expect(await days()).toEqual([]);
  });
});
