import { NoShowSweep } from '../../src/appointments/no-show-sweep.service';
import { MissedVisitFollowUps } from '../../src/waitlist/missed-visit-follow-ups.service';
import { createClinic, TestClinic, uniqueId, uniquePhone } from '../support/factories';
import { answersTo, deliveriesOf, reply, statusOf, uploadSlots } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { createAppointment } from '../support/webhooks';

/**
 * The missed-visit follow-up (API.md, "Waitlist and filling freed time"): one text after a
 * no-show (however it was marked), `R` within 7 days offers times, the pick books a new
 * appointment that re-books the missed one. Clinics are built through the API; the due work
 * (the no-show sweep, the follow-up) is run by calling its pass on the manual clock. The clock
 * starts at 2026-11-26 15:00Z, 09:00 in Chicago.
 */
const NOWHERE = 'http://127.0.0.1:9/turnout-events';
const TODAY_930 = '2026-11-26T09:30:00-06:00';
const MON_10 = '2026-11-30T10:00:00-06:00';
const TUE_10 = '2026-12-01T10:00:00-06:00';

interface FollowUpRow {
  to_number: string;
  body: string;
  appointment_id: string;
  run_at: Date;
  status: string;
}

describe('missed-visit follow-up', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const followUps = () => t.app.get(MissedVisitFollowUps).runOnce();
  const minutes = (n: number) => t.clock.advance(n * 60_000);

  function followUpClinic(overrides: Record<string, unknown> = {}): Promise<TestClinic> {
    return createClinic(t, {
      calendarWebhookUrl: NOWHERE,
      missedVisitFollowUp: { enabled: true, afterMinutes: 60 },
      ...overrides,
    });
  }

  function followUpsTo(clinicId: string): Promise<FollowUpRow[]> {
    return t.ds.query(
      `SELECT to_number, body, appointment_id, run_at, status FROM messages
       WHERE clinic_id = $1 AND kind = 'missed_visit' ORDER BY created_at, to_number`,
      [clinicId],
    );
  }

  function markNoShow(c: TestClinic, id: string) {
    return t.http
      .patch(`/v1/appointments/${id}`)
      .set(c.auth)
      .send({ status: 'no_show' })
      .expect(200);
  }

  it('reads and changes the clinic setting (off by default); bad values are a 400 naming the field', async () => {
    const c = await createClinic(t);
    const before = await t.http.get('/v1/clinic').set(c.auth).expect(200);
    expect(before.body.missedVisitFollowUp).toEqual({ enabled: false, afterMinutes: 60 });
    const after = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ missedVisitFollowUp: { enabled: true, afterMinutes: 30 } })
      .expect(200);
    expect(after.body.missedVisitFollowUp).toEqual({ enabled: true, afterMinutes: 30 });
    const bad = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ missedVisitFollowUp: { enabled: true, afterMinutes: 2000 } })
      .expect(400);
    expect(bad.body.message.join(' ')).toContain('missedVisitFollowUp.afterMinutes');
  });

  it('marked by staff: one text afterMinutes later (once, whatever re-runs or re-marks); R offers times; 1 books a new appointment re-booking the missed one', async () => {
    const c = await followUpClinic();
    const dr = `Dr. ${uniqueId('M')}`;
    const missed = await createAppointment(t, c, { practitioner: dr, startsAt: TODAY_930 });
    minutes(65); // 10:05, the visit began 35 minutes ago
    await markNoShow(c, missed.id);
    await followUps();
    expect(await followUpsTo(c.id)).toEqual([]); // due at 11:05
    minutes(30);
    await markNoShow(c, missed.id); // marked again: no second follow-up
    minutes(30);
    await followUps();
    await followUps();
    minutes(60);
    await markNoShow(c, missed.id);
    await followUps();
    const texts = await followUpsTo(c.id);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({
      to_number: missed.phone,
      appointment_id: missed.id,
      body: 'Lakeside Dental: we missed you at your visit on Thu Nov 26. Reply R to pick a new time.',
    });
    expect(texts[0].run_at.toISOString()).toBe('2026-11-26T17:05:00.000Z');

    const [mon, tue] = await uploadSlots(t, c, dr, [MON_10, TUE_10]);
    await reply(t, c, missed.phone, 'R');
    const [offer] = await answersTo(t, c.id, missed.phone);
    expect(offer.body).toBe(
      'Lakeside Dental: new times for your Thu Nov 26 9:30 AM visit, held 15 min. ' +
        'Reply 1) Mon Nov 30 10:00 AM, 2) Tue Dec 1 10:00 AM',
    );
    // A missed visit stays missed while times are offered for it.
    expect(await statusOf(t, missed.id)).toBe('no_show');

    minutes(1);
    await reply(t, c, missed.phone, '2');
    const answers = await answersTo(t, c.id, missed.phone);
    expect(answers).toHaveLength(2);
    expect(answers[1].body).toBe(
      'Lakeside Dental: you are booked Tue Dec 1 at 10:00 AM. See you then.',
    );
    const made: { id: string }[] = await t.ds.query(
      'SELECT id FROM appointments WHERE clinic_id = $1 AND rebook_of = $2',
      [c.id, missed.id],
    );
    expect(made).toHaveLength(1);
    const view = await t.http.get(`/v1/appointments/${made[0].id}`).set(c.auth).expect(200);
    expect(view.body).toMatchObject({
      externalId: `turnout-${made[0].id}`,
      status: 'confirmed',
      startsAt: '2026-12-01T16:00:00.000Z',
      endsAt: '2026-12-01T16:30:00.000Z',
      practitioner: dr,
      type: 'cleaning',
      location: 'Main St',
      rebookOf: missed.id,
      patient: { phone: missed.phone },
    });
    expect(view.body.filledFrom).toBeUndefined();
    expect(view.body.reminders.map((r: { offset: string }) => r.offset)).toEqual(['P2D', 'PT2H']);
    expect(view.body.history).toEqual([
      expect.objectContaining({ event: 'BOOKED', to: 'confirmed', source: 'patient' }),
    ]);
    expect((await deliveriesOf(t, made[0].id)).map((d) => d.type)).toEqual(['appointment.booked']);
    // The missed one stays missed; the slot taken is the new appointment's, the other let go.
    expect(await statusOf(t, missed.id)).toBe('no_show');
    const slots: { id: string; booked_appointment_id: string | null; held: string | null }[] =
      await t.ds.query(
        `SELECT id, booked_appointment_id, held_for_appointment_id AS held FROM slots
         WHERE id = ANY($1::uuid[]) ORDER BY starts_at`,
        [[mon, tue]],
      );
    expect(slots).toEqual([
      { id: mon, booked_appointment_id: null, held: null },
      { id: tue, booked_appointment_id: made[0].id, held: null },
    ]);

    // R now is about the new appointment (it is booked): no second re-booking.
    minutes(1);
    await reply(t, c, missed.phone, 'R');
    const rebooks: unknown[] = await t.ds.query(
      'SELECT 1 FROM appointments WHERE clinic_id = $1 AND rebook_of IS NOT NULL',
      [c.id],
    );
    expect(rebooks).toHaveLength(1);
    expect(await statusOf(t, made[0].id)).toBe('reschedule_requested');

    // The reports: the missed visit counts once, as a no-show; the new one is re-booked.
    const noShows = await t.http
      .get('/v1/reports/no-shows')
      .query({ from: '2026-11-26', to: '2026-11-27', groupBy: 'none' })
      .set(c.auth)
      .expect(200);
    expect(noShows.body.totals).toMatchObject({ appointments: 1, noShows: 1, attended: 0 });
    const both = await t.http
      .get('/v1/reports/no-shows')
      .query({ from: '2026-11-26', to: '2026-12-02', groupBy: 'none' })
      .set(c.auth)
      .expect(200);
    expect(both.body.totals).toMatchObject({ appointments: 2, noShows: 1 });
    const backfill = await t.http
      .get('/v1/reports/backfill')
      .query({ from: '2026-11-26', to: '2026-12-02', groupBy: 'practitioner' })
      .set(c.auth)
      .expect(200);
    expect(backfill.body.totals.rebookedAfterNoShow).toBe(1);
    expect(backfill.body.groups).toEqual([
      expect.objectContaining({ key: dr, rebookedAfterNoShow: 1 }),
    ]);
    const csv = await t.http
      .get('/v1/reports/backfill')
      .query({ from: '2026-11-26', to: '2026-12-02', format: 'csv' })
      .set(c.auth)
      .expect(200);
    expect(csv.text.split('\r\n')[1]).toMatch(/^total,,.*,1$/);
  });

  it('marked by the automatic no-show: the text waits out quiet hours, in the patient’s language', async () => {
    const c = await followUpClinic({ noShowGraceMinutes: 30 });
    // 18:30-19:00 local; no-show at 19:30; follow-up due 20:30, inside quiet hours (20:00-08:00).
    const missed = await createAppointment(t, c, {
      startsAt: '2026-11-26T18:30:00-06:00',
      patient: { name: 'Ana Diaz', phone: uniquePhone(), language: 'es' },
    });
    minutes(10 * 60 + 30); // 19:30
    await t.app.get(NoShowSweep).runOnce();
    expect(await statusOf(t, missed.id)).toBe('no_show');
    minutes(60); // 20:30
    await followUps();
    const [text] = await followUpsTo(c.id);
    expect(text.body).toBe(
      // Sent the next morning: the visit's date, never "today" ("hoy").
      'Lakeside Dental: lo extrañamos en su cita del jue 26 nov. Responda R para elegir otro horario.',
    );
    // Not before 08:00 the next morning.
    expect(text.run_at.toISOString()).toBe('2026-11-27T14:00:00.000Z');
  });

  it('no text to an opted-out patient, for a visit corrected to arrived, or when the clinic has it off', async () => {
    const c = await followUpClinic();
    const optedOut = await createAppointment(t, c, { startsAt: TODAY_930 });
    const corrected = await createAppointment(t, c, { startsAt: TODAY_930 });
    const off = await followUpClinic({ missedVisitFollowUp: { enabled: false, afterMinutes: 0 } });
    const elsewhere = await createAppointment(t, off, { startsAt: TODAY_930 });
    minutes(40);
    await markNoShow(c, optedOut.id);
    await markNoShow(c, corrected.id);
    await markNoShow(off, elsewhere.id);
    await t.http
      .post(`/v1/patients/${encodeURIComponent(optedOut.phone)}/opt-out`)
      .set(c.auth)
      .send({ note: 'asked by phone' })
      .expect(200);
    await t.http
      .patch(`/v1/appointments/${corrected.id}`)
      .set(c.auth)
      .send({ status: 'arrived' })
      .expect(200);
    minutes(61);
    await followUps();
    expect(await followUpsTo(c.id)).toEqual([]);
    expect(await followUpsTo(off.id)).toEqual([]);
    const rows: { appointment_id: string; skipped: string | null }[] = await t.ds.query(
      `SELECT appointment_id, skipped FROM missed_visits WHERE clinic_id = ANY($1::uuid[])`,
      [[c.id, off.id]],
    );
    expect(new Map(rows.map((r) => [r.appointment_id, r.skipped]))).toEqual(
      new Map([
        [optedOut.id, 'opted_out'],
        [corrected.id, 'not_missed'],
      ]),
    );
  });

  it('R after 8 days is not a re-booking; the upload cannot mark a no-show', async () => {
    const c = await followUpClinic();
    const dr = `Dr. ${uniqueId('L')}`;
    const missed = await createAppointment(t, c, { practitioner: dr, startsAt: TODAY_930 });
    minutes(40);
    await markNoShow(c, missed.id);
    minutes(60);
    await followUps();
    expect(await followUpsTo(c.id)).toHaveLength(1);
    minutes(8 * 24 * 60);
    await uploadSlots(t, c, dr, ['2026-12-07T10:00:00-06:00']);
    await reply(t, c, missed.phone, 'R');
    const [answer] = await answersTo(t, c.id, missed.phone);
    expect(answer.body).toContain('we have no upcoming appointment for this number');
    const offers: unknown[] = await t.ds.query(
      'SELECT 1 FROM reschedule_offers WHERE appointment_id = $1',
      [missed.id],
    );
    expect(offers).toEqual([]);

    // The upload sets only scheduled or cancelled: a no-show is the attendance route's.
    const upload = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({
        externalId: uniqueId(),
        patient: { phone: uniquePhone() },
        startsAt: TODAY_930,
        status: 'no_show',
      })
      .expect(400);
    expect(upload.body.message.join(' ')).toContain('status');
  });
});
