import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  answersTo,
  send,
  conversationsOf,
  deliveriesOf,
  reply,
  statusOf,
  uploadSlots,
} from '../support/replies';
import {
  createAppointment,
  processInbox,
  remindedAppointment,
  sentReminder,
  twilioSid,
} from '../support/webhooks';

/** A calendar URL that refuses at once: these specs look at the outbox rows, not delivery. */
const NOWHERE = 'http://127.0.0.1:9/turnout-events';
describe('patient replies (C, X, R and a digit)', () => {
  let t: TestApp;
  let c: TestClinic;
  let sender: string;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(async () => {
    sender = uniquePhone();
    c = await createClinic(t, {
      senderNumber: sender,
      contactPhone: '+13125550199',
      calendarWebhookUrl: NOWHERE,
    });
  });
  afterAll(() => t.close());

  const clinicRef = () => ({ id: c.id, senderNumber: sender, providerType: 'fake' });

  const reminded = (overrides: Record<string, unknown> = {}) =>
    remindedAppointment(t, c, sender, overrides);

  async function view(id: string) {
    return (await t.http.get(`/v1/appointments/${id}`).set(c.auth).expect(200)).body;
  }

  it('C confirms, answers once naming the day and time, and writes the change back', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, ' yes! ');
    expect(await statusOf(t, appt.id)).toBe('confirmed');
    const v = await view(appt.id);
    expect(v.history).toEqual([
      expect.objectContaining({ event: 'CREATED' }),
      expect.objectContaining({
        event: 'REPLY_CONFIRM',
        from: 'scheduled',
        to: 'confirmed',
        source: 'patient',
      }),
    ]);
    expect(await answersTo(t, c.id, appt.phone)).toEqual([
      expect.objectContaining({
        kind: 'workflow_reply',
        status: 'pending',
        appointment_id: appt.id,
        body: 'Lakeside Dental: your appointment Tue Dec 1 at 9:30 AM is confirmed. See you then.',
        segments: 1,
        encoding: 'GSM-7',
      }),
    ]);
    const [delivery] = await deliveriesOf(t, appt.id);
    expect(delivery).toMatchObject({ type: 'appointment.confirmed', status: 'pending' });
    const event = JSON.parse(delivery.body);
    expect(event).toMatchObject({
      id: delivery.id,
      type: 'appointment.confirmed',
      occurredAt: '2026-11-26T15:00:00.000Z',
      appointment: { id: appt.id, status: 'confirmed', startsAt: '2026-12-01T15:30:00.000Z' },
    });
    expect(event.appointment.messages).toBeUndefined();

    // Confirming twice answers once and changes nothing the second time.
    await reply(t, c, appt.phone, 'C');
    expect(await answersTo(t, c.id, appt.phone)).toHaveLength(1);
    expect((await view(appt.id)).history).toHaveLength(2);
    expect(await deliveriesOf(t, appt.id)).toHaveLength(1);
  });

  it('X cancels, stops the reminders, frees the time as an open slot', async () => {
    const practitioner = 'Dr. Kim';
    const appt = await reminded({ practitioner });
    await reply(t, c, appt.phone, 'x');
    const v = await view(appt.id);
    expect(v.status).toBe('cancelled');
    expect(v.reminders.filter((r: { status: string }) => r.status === 'pending')).toEqual([]);
    expect((await answersTo(t, c.id, appt.phone)).map((a) => a.body)).toEqual([
      'Lakeside Dental: your appointment Tue Dec 1 at 9:30 AM is cancelled.',
    ]);
    expect((await deliveriesOf(t, appt.id)).map((d) => d.type)).toEqual(['appointment.cancelled']);
    const slots = await t.http.get('/v1/slots').set(c.auth).expect(200);
    expect(slots.body.items).toEqual([
      expect.objectContaining({ practitioner, startsAt: '2026-12-01T15:30:00.000Z' }),
    ]);
  });

  it('R offers three held slots of the same practitioner; 2 moves, replans and confirms', async () => {
    const practitioner = 'Dr. Kim';
    const appt = await reminded({ practitioner });
    const ids = await uploadSlots(t, c, practitioner, [
      '2026-12-03T10:00:00-06:00',
      '2026-12-02T09:00:00-06:00',
      '2026-12-02T14:15:00-06:00',
      '2026-12-04T09:00:00-06:00',
      // after the 14 days
      '2026-12-11T09:00:00-06:00',
    ]);
    await uploadSlots(t, c, 'Dr. Other', ['2026-12-01T08:00:00-06:00']);

    await reply(t, c, appt.phone, 'R');
    expect(await statusOf(t, appt.id)).toBe('reschedule_requested');
    expect((await answersTo(t, c.id, appt.phone)).map((a) => a.body)).toEqual([
      'Lakeside Dental: new times for your Tue Dec 1 9:30 AM visit, held 15 min. ' +
        'Reply 1) Wed Dec 2 9:00 AM, 2) Wed Dec 2 2:15 PM, 3) Thu Dec 3 10:00 AM',
    ]);
    // Held for this patient: nobody else is offered them, nor sees them as open.
    const open = await t.http.get(`/v1/slots?practitioner=${practitioner}`).set(c.auth);
    expect(open.body.items.map((s: { id: string }) => s.id)).toEqual([ids[3], ids[4]]);

    t.clock.advance(60_000);
    await reply(t, c, appt.phone, '2');
    const v = await view(appt.id);
    expect(v).toMatchObject({
      status: 'confirmed',
      startsAt: '2026-12-02T20:15:00.000Z',
      endsAt: '2026-12-02T20:45:00.000Z',
    });
    expect(v.history.slice(-2)).toEqual([
      expect.objectContaining({ event: 'REPLY_RESCHEDULE', to: 'reschedule_requested' }),
      expect.objectContaining({
        event: 'REPLY_SLOT',
        from: 'reschedule_requested',
        to: 'confirmed',
      }),
    ]);
    const pending = v.reminders.filter((r: { status: string }) => r.status === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    for (const r of pending) expect(new Date(r.dueAt) < new Date(v.startsAt)).toBe(true);
    expect(v.reminders.some((r: { reason: string }) => r.reason === 'replanned')).toBe(true);
    expect((await answersTo(t, c.id, appt.phone)).map((a) => a.body).slice(-1)).toEqual([
      'Lakeside Dental: your appointment is moved to Wed Dec 2 at 2:15 PM and confirmed.',
    ]);
    expect((await deliveriesOf(t, appt.id)).map((d) => d.type)).toEqual([
      'appointment.reschedule_requested',
      'appointment.rescheduled',
    ]);
    // The other held slots are open again, and so is the time the patient left.
    const after = await t.http.get(`/v1/slots?practitioner=${practitioner}`).set(c.auth);
    expect(after.body.items.map((s: { startsAt: string }) => s.startsAt)).toEqual([
      '2026-12-01T15:30:00.000Z',
      '2026-12-02T15:00:00.000Z',
      '2026-12-03T16:00:00.000Z',
      '2026-12-04T15:00:00.000Z',
      '2026-12-11T15:00:00.000Z',
    ]);
    const booked: { booked_appointment_id: string }[] = await t.ds.query(
      'SELECT booked_appointment_id FROM slots WHERE id = $1',
      [ids[2]],
    );
    expect(booked[0].booked_appointment_id).toBe(appt.id);
  });

  it('R again replaces the offer and its holds; X after a move frees the booked slot once', async () => {
    const practitioner = 'Dr. Kim';
    const appt = await reminded({ practitioner });
    const ids = await uploadSlots(t, c, practitioner, [
      '2026-12-02T09:00:00-06:00',
      '2026-12-02T14:15:00-06:00',
      '2026-12-03T10:00:00-06:00',
      '2026-12-04T09:00:00-06:00',
    ]);
    const holds = async () => {
      const rows: { id: string }[] = await t.ds.query(
        `SELECT id FROM slots WHERE held_for_appointment_id = $1 ORDER BY starts_at`,
        [appt.id],
      );
      return rows.map((r) => r.id);
    };
    const offers = async () => {
      const rows: { slot_ids: string[]; closed_reason: string | null }[] = await t.ds.query(
        `SELECT slot_ids, closed_reason FROM reschedule_offers WHERE appointment_id = $1
         ORDER BY created_at, closed_at NULLS LAST`,
        [appt.id],
      );
      return rows;
    };

    await reply(t, c, appt.phone, 'R');
    expect(await holds()).toEqual(ids.slice(0, 3));
    // The first slot is booked by someone else meanwhile: the next offer holds the fourth.
    await t.ds.query(
      `UPDATE slots SET booked_appointment_id = NULL, held_for_appointment_id = NULL,
      held_until = NULL, starts_at = starts_at + interval '30 days',
      ends_at = ends_at + interval '30 days' WHERE id = $1`,
      [ids[0]],
    );
    t.clock.advance(60_000);
    await reply(t, c, appt.phone, 'R');
    expect(await holds()).toEqual(ids.slice(1, 4));
    expect(await offers()).toEqual([
      { slot_ids: ids.slice(0, 3), closed_reason: 'replaced' },
      { slot_ids: ids.slice(1, 4), closed_reason: null },
    ]);

    await reply(t, c, appt.phone, '1');
    expect(await view(appt.id)).toMatchObject({
      status: 'confirmed',
      startsAt: '2026-12-02T20:15:00.000Z',
    });
    // Booked: the other two holds are let go with it, and the offer is closed as booked.
    expect(await holds()).toEqual([]);
    expect((await offers()).map((o) => o.closed_reason)).toEqual(['replaced', 'booked']);

    await reply(t, c, appt.phone, 'X');
    expect(await statusOf(t, appt.id)).toBe('cancelled');
    // The slot it had booked is open again (not a second slot at that time), and so is the
    // time it first had.
    const rows: { id: string; booked: string | null }[] = await t.ds.query(
      `SELECT id, booked_appointment_id AS booked FROM slots
       WHERE clinic_id = $1 AND practitioner = $2 AND starts_at = '2026-12-02T20:15:00Z'`,
      [c.id, practitioner],
    );
    expect(rows).toEqual([{ id: ids[1], booked: null }]);
    const open = await t.http.get(`/v1/slots?practitioner=${practitioner}`).set(c.auth);
    expect(open.body.items.map((s: { startsAt: string }) => s.startsAt)).toEqual([
      '2026-12-01T15:30:00.000Z',
      '2026-12-02T20:15:00.000Z',
      '2026-12-03T16:00:00.000Z',
      '2026-12-04T15:00:00.000Z',
      '2027-01-01T15:00:00.000Z',
    ]);
  });

  it.each([
    ['C', 'confirmed'],
    ['X', 'cancelled'],
  ])('%s while an offer is open withdraws it and lets its holds go', async (text, status) => {
    const practitioner = 'Dr. Kim';
    const appt = await reminded({ practitioner });
    await uploadSlots(t, c, practitioner, [
      '2026-12-02T09:00:00-06:00',
      '2026-12-03T10:00:00-06:00',
    ]);
    const state = async () => {
      const holds: { n: number }[] = await t.ds.query(
        `SELECT count(*)::int AS n FROM slots WHERE held_for_appointment_id = $1`,
        [appt.id],
      );
      const offers: { closed_reason: string | null }[] = await t.ds.query(
        `SELECT closed_reason FROM reschedule_offers WHERE appointment_id = $1`,
        [appt.id],
      );
      return { holds: holds[0].n, offers: offers.map((o) => o.closed_reason) };
    };
    await reply(t, c, appt.phone, 'R');
    expect(await state()).toEqual({ holds: 2, offers: [null] });
    t.clock.advance(60_000);
    await reply(t, c, appt.phone, text);
    expect(await statusOf(t, appt.id)).toBe(status);
    expect(await state()).toEqual({ holds: 0, offers: ['withdrawn'] });
    // A digit now has no open offer: not understood, nothing booked.
    await reply(t, c, appt.phone, '1');
    expect(await statusOf(t, appt.id)).toBe(status);
    const booked: { n: number }[] = await t.ds.query(
      `SELECT count(*)::int AS n FROM slots WHERE booked_appointment_id = $1`,
      [appt.id],
    );
    expect(booked[0].n).toBe(0);
  });

  it('texts settled together are answered together, and a text rolled back takes its answer along', async () => {
    const appts = [await reminded(), await reminded(), await reminded()];
    const puzzled = appts[1].phone;
    // The unrecognised text's flag fails, after its answer was gathered: in the batch's pass,
    // and again when the batch is redone text by text (each in a savepoint, the other texts'
    // answers written after it in the same transaction).
    const repository = conversationsOf(t);
    const real = repository.flag.bind(repository);
    let failures = 0;
    const flag = jest
      .spyOn(repository, 'flag')
      .mockImplementation((m, clinicId, phone, reason, at) =>
        phone === puzzled && failures++ < 2
          ? Promise.reject(new Error('flag failed'))
          : real(m, clinicId, phone, reason, at),
      );
    try {
      await send(t, c, appts[0].phone, 'C');
      await send(t, c, puzzled, 'what?');
      await send(t, c, appts[2].phone, 'X');
      await processInbox(t);
      // The batch failed and was redone text by text: the neighbours once each, the failing
      // text not at all (its answer went back with it).
      expect((await answersTo(t, c.id, appts[0].phone)).map((a) => a.body)).toEqual([
        expect.stringContaining('is confirmed'),
      ]);
      expect((await answersTo(t, c.id, appts[2].phone)).map((a) => a.body)).toEqual([
        expect.stringContaining('is cancelled'),
      ]);
      expect(await answersTo(t, c.id, puzzled)).toEqual([]);
      // Retried: answered once, and waiting for staff.
      t.clock.advance(2_000);
      await processInbox(t);
      expect((await answersTo(t, c.id, puzzled)).map((a) => a.body)).toEqual([
        expect.stringContaining('sorry, we did not understand'),
      ]);
      expect(await conversationsOf(t).find(c.id, puzzled)).toMatchObject({
        reason: 'unrecognized_reply',
      });
      expect(await statusOf(t, appts[1].id)).toBe('scheduled');
    } finally {
      flag.mockRestore();
    }
  });

  it('R with no open slot: the clinic will call, and staff see no_slots', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, 'Reschedule');
    expect((await answersTo(t, c.id, appt.phone)).map((a) => a.body)).toEqual([
      'Lakeside Dental: no open times to offer right now; the clinic will call you to reschedule Tue Dec 1 9:30 AM.',
    ]);
    expect(await conversationsOf(t).find(c.id, appt.phone)).toMatchObject({
      needs_attention: true,
      reason: 'no_slots',
      appointment_id: appt.id,
    });
  });

  it('the answer to an unrecognised reply says when staff will answer, by office hours', async () => {
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ officeHours: { mon: ['08:00', '17:00'], thu: ['08:00', '17:00'], fri: null } })
      .expect(200);
    // Thursday 2026-11-26 09:00 in Chicago: open now.
    const open = await reminded();
    await reply(t, c, open.phone, 'what?');
    expect((await answersTo(t, c.id, open.phone)).map((a) => a.body)).toEqual([
      expect.stringMatching(/did not understand\. .* Staff will reply today by 5:00 PM\.$/),
    ]);
    // Thursday 17:30: Friday is closed and the weekend left out, so Monday.
    const closed = await reminded();
    const before = t.clock.now();
    t.clock.set('2026-11-26T23:30:00Z');
    try {
      await reply(t, c, closed.phone, 'hmm');
      expect((await answersTo(t, c.id, closed.phone)).map((a) => a.body)).toEqual([
        expect.stringMatching(/Staff will reply Monday from 8:00 AM\.$/),
      ]);
    } finally {
      t.clock.set(before);
    }
  });

  it('a digit with no open offer is an unrecognised reply', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, '1');
    expect(await statusOf(t, appt.id)).toBe('scheduled');
    expect((await answersTo(t, c.id, appt.phone)).map((a) => a.body)).toEqual([
      expect.stringContaining('sorry, we did not understand'),
    ]);
    expect(await conversationsOf(t).find(c.id, appt.phone)).toMatchObject({
      reason: 'unrecognized_reply',
    });
  });

  it('an unrecognised reply is answered once, then waits for staff until resolved', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, 'Can I come at 3?');
    await reply(t, c, appt.phone, 'hello?');
    expect(await answersTo(t, c.id, appt.phone)).toHaveLength(1);
    // A reply the workflow understands is still applied and answered.
    await reply(t, c, appt.phone, 'C');
    expect(await answersTo(t, c.id, appt.phone)).toHaveLength(2);
    const enc = encodeURIComponent(appt.phone);
    await t.http.post(`/v1/conversations/${enc}/resolve`).set(c.auth).expect(200);
    await reply(t, c, appt.phone, 'what?');
    expect(await answersTo(t, c.id, appt.phone)).toHaveLength(3);
  });

  it('no upcoming appointment: the help answer once, and the conversation goes to staff', async () => {
    const stranger = uniquePhone();
    await reply(t, c, stranger, 'C');
    await reply(t, c, stranger, 'C');
    expect(await answersTo(t, c.id, stranger)).toEqual([
      expect.objectContaining({
        body:
          'Lakeside Dental: we have no upcoming appointment for this number. ' +
          'Questions: +13125550199. Reply STOP to opt out.',
        appointment_id: null,
      }),
    ]);
    const res = await t.http.get('/v1/conversations?needsAttention=true').set(c.auth).expect(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({ patientPhone: stranger, reason: 'no_appointment' }),
    ]);
  });

  it('with several upcoming appointments, applies to the one reminded last and says which', async () => {
    const phone = uniquePhone();
    const patient = { name: 'Ana Diaz', phone, language: 'en' };
    const first = await createAppointment(t, c, { patient });
    const second = await createAppointment(t, c, {
      patient,
      startsAt: '2026-12-08T14:00:00-06:00',
    });
    await sentReminder(t, clinicRef(), first, twilioSid(), '2026-11-26T10:00:00Z');
    await sentReminder(t, clinicRef(), second, twilioSid(), '2026-11-26T12:00:00Z');
    await reply(t, c, phone, 'C');
    expect(await statusOf(t, second.id)).toBe('confirmed');
    expect(await statusOf(t, first.id)).toBe('scheduled');
    expect((await answersTo(t, c.id, phone))[0].body).toContain('Tue Dec 8 at 2:00 PM');
  });

  it('answers a Spanish-speaking patient in Spanish, in their zone', async () => {
    const appt = await reminded({
      patient: { name: 'Ana', phone: uniquePhone(), language: 'es', timezone: 'America/New_York' },
    });
    await reply(t, c, appt.phone, 'Sí');
    expect((await answersTo(t, c.id, appt.phone)).map((a) => a.body)).toEqual([
      'Lakeside Dental: su cita el mar 1 dic a las 10:30 queda confirmada. Le esperamos.',
    ]);
    await reply(t, c, appt.phone, 'Cancelar');
    expect(await statusOf(t, appt.id)).toBe('cancelled');
  });

  it('CANCEL opts out as the carrier does, leaves the appointment, and flags it for staff', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, 'CANCEL');
    expect(await statusOf(t, appt.id)).toBe('scheduled');
    expect((await view(appt.id)).patient.optedOut).toBe(true);
    expect(await conversationsOf(t).find(c.id, appt.phone)).toMatchObject({
      reason: 'cancel_keyword',
    });
  });

  it('a plain-language revocation opts out, appointment unchanged', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, 'please stop texting me');
    expect((await view(appt.id)).patient.optedOut).toBe(true);
    expect(await statusOf(t, appt.id)).toBe('scheduled');
    const rows = await t.ds.query(
      'SELECT opt_out_source, opt_out_detail FROM patients WHERE id = $1',
      [appt.patientId],
    );
    expect(rows[0]).toEqual({ opt_out_source: 'phrase', opt_out_detail: 'STOP TEXTING ME' });
  });

  it('an opted-out patient’s C still confirms, but nothing is texted to them', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, 'STOP');
    await reply(t, c, appt.phone, 'C');
    expect(await statusOf(t, appt.id)).toBe('confirmed');
    expect(await answersTo(t, c.id, appt.phone)).toEqual([]);
  });

  it('a clinic changed between two texts answers and writes back as it now stands', async () => {
    const first = await reminded();
    await reply(t, c, first.phone, 'C');
    const second = await reminded();
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ name: 'Lakeview Dental', calendarWebhookUrl: null })
      .expect(200);
    await reply(t, c, second.phone, 'C');
    expect((await answersTo(t, c.id, second.phone)).map((a) => a.body)).toEqual([
      'Lakeview Dental: your appointment Tue Dec 1 at 9:30 AM is confirmed. See you then.',
    ]);
    expect(await deliveriesOf(t, first.id)).toHaveLength(1);
    expect(await deliveriesOf(t, second.id)).toEqual([]);
  });

  it('staff changes are written back where the machine says so; a clinic without URL keeps them', async () => {
    const appt = await reminded();
    await t.http.patch(`/v1/appointments/${appt.id}`).set(c.auth).send({ status: 'cancelled' });
    expect((await deliveriesOf(t, appt.id)).map((d) => d.type)).toEqual(['appointment.cancelled']);
    const other = await reminded();
    await t.http.patch(`/v1/appointments/${other.id}`).set(c.auth).send({ status: 'arrived' });
    expect(await deliveriesOf(t, other.id)).toEqual([]);

    // The clinic's own cancel, by upload, is not news to its calendar.
    const input = { externalId: 'UP-1', patient: { name: 'Ana', phone: uniquePhone() } };
    const uploaded = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({ ...input, startsAt: '2026-12-01T09:30:00-06:00' })
      .expect(201);
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({ ...input, startsAt: '2026-12-01T09:30:00-06:00', status: 'cancelled' })
      .expect(200);
    expect(await statusOf(t, uploaded.body.id)).toBe('cancelled');
    expect(await deliveriesOf(t, uploaded.body.id)).toEqual([]);

    const quiet = await createClinic(t);
    const q = await createAppointment(t, quiet);
    await t.http.patch(`/v1/appointments/${q.id}`).set(quiet.auth).send({ status: 'no_show' });
    expect(await statusOf(t, q.id)).toBe('no_show');
    expect(await deliveriesOf(t, q.id)).toEqual([]);
  });
});
