import { BackfillWaves } from '../../src/waitlist/backfill-waves.service';
import { InboxProcessor } from '../../src/webhooks/inbox/inbox-processor.service';
import {
  appointmentInput,
  createClinic,
  TestClinic,
  uniqueId,
  uniquePhone,
} from '../support/factories';
import { answersTo, reply, uploadSlots } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { remindedAppointment, signedTwilio, twilioSid } from '../support/webhooks';

/**
 * The waitlist and the filling of freed time (API.md, "Waitlist and filling freed time"): every
 * clinic is built through the API; waves are run by calling the due work's pass on the manual
 * clock, as the engine would.
 */
const NOWHERE = 'http://127.0.0.1:9/turnout-events';
const AUTH_TOKEN = 'waitlist-twilio-token';
const INBOUND = '/webhooks/twilio/inbound';
/** 2026-11-26 15:00Z is 09:00 in Chicago; the freed visit is tomorrow, 09:00 local. */
const TOMORROW_9 = '2026-11-27T09:00:00-06:00';

describe('waitlist and freed time', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const waves = () => t.app.get(BackfillWaves).runOnce();
  const minutes = (n: number) => t.clock.advance(n * 60_000);

  async function backfillClinic(overrides: Record<string, unknown> = {}): Promise<TestClinic> {
    return createClinic(t, {
      calendarWebhookUrl: NOWHERE,
      backfill: { enabled: true, waveSize: 2, waveMinutes: 10, minNoticeMinutes: 60 },
      ...overrides,
    });
  }

  function join(c: TestClinic, body: Record<string, unknown>) {
    return t.http.post('/v1/waitlist').set(c.auth).send(body);
  }

  function offersTo(clinicId: string): Promise<{ to_number: string; body: string }[]> {
    return t.ds.query(
      `SELECT to_number, body FROM messages
       WHERE clinic_id = $1 AND kind = 'backfill_offer' ORDER BY created_at, to_number`,
      [clinicId],
    );
  }

  describe('the routes', () => {
    it('validates, keeps one live entry per patient and practitioner/type, lists and removes', async () => {
      const c = await backfillClinic();
      const phone = uniquePhone();
      const bad = await join(c, {
        patient: { phone },
        notBefore: '2026-12-10',
        notAfter: '2026-12-01',
      }).expect(400);
      expect(bad.body.message).toEqual(['notAfter must not be before notBefore']);
      const badPhone = await join(c, { patient: { phone: '12' } }).expect(400);
      expect(badPhone.body.message).toEqual(['patient.phone must be a valid phone number']);
      const typo = await join(c, { patient: { phone }, practicioner: 'Dr. X' }).expect(400);
      expect(JSON.stringify(typo.body.message)).toContain('practicioner');

      // A practitioner the clinic has never mentioned is fine: it may upload slots for them later.
      const first = await join(c, {
        patient: { phone, name: 'Ana Diaz', language: 'es' },
        practitioner: 'Dr. Nobody',
        type: 'cleaning',
        notBefore: '2026-12-01',
        notAfter: '2026-12-31',
      }).expect(201);
      expect(first.body).toMatchObject({
        status: 'waiting',
        practitioner: 'Dr. Nobody',
        notAfter: '2026-12-31',
        patient: { phone, language: 'es' },
        offers: [],
      });
      const second = await join(c, {
        patient: { phone },
        practitioner: 'Dr. Nobody',
        type: 'cleaning',
      }).expect(409);
      expect(second.body.message.join(' ')).toContain(first.body.id);
      // Another type is another entry.
      await join(c, { patient: { phone }, practitioner: 'Dr. Nobody' }).expect(201);

      const list = await t.http.get('/v1/waitlist?status=waiting').set(c.auth).expect(200);
      expect(list.body.items).toHaveLength(2);
      await t.http.delete(`/v1/waitlist/${first.body.id}`).set(c.auth).expect(200);
      await t.http.delete(`/v1/waitlist/${first.body.id}`).set(c.auth).expect(409);
      await t.http.delete(`/v1/waitlist/${uniqueId()}`).set(c.auth).expect(404);
      const removed = await t.http.get('/v1/waitlist?status=removed').set(c.auth).expect(200);
      expect(removed.body.items.map((e: { id: string }) => e.id)).toEqual([first.body.id]);
      // Removed, the patient may join again.
      await join(c, { patient: { phone }, practitioner: 'Dr. Nobody', type: 'cleaning' }).expect(
        201,
      );
    });

    it('reads and changes the clinic backfill settings, defaults filled in', async () => {
      const c = await createClinic(t);
      const before = await t.http.get('/v1/clinic').set(c.auth).expect(200);
      expect(before.body.backfill).toEqual({
        enabled: false,
        minNoticeMinutes: 120,
        horizonDays: 14,
        waveSize: 5,
        waveMinutes: 10,
      });
      const after = await t.http
        .patch('/v1/clinic')
        .set(c.auth)
        .send({ backfill: { enabled: true, waveSize: 3 } })
        .expect(200);
      expect(after.body.backfill).toMatchObject({ enabled: true, waveSize: 3, waveMinutes: 10 });
      const bad = await t.http
        .patch('/v1/clinic')
        .set(c.auth)
        .send({ backfill: { waveSize: 0 } })
        .expect(400);
      expect(bad.body.message.join(' ')).toContain('backfill.waveSize');
    });
  });

  it('X frees the time; waves offer it best first; the first 1 books it, the next is told it was taken', async () => {
    const c = await backfillClinic();
    const sender = c.body.senderNumber as string;
    const dr = `Dr. ${uniqueId('K')}`;
    const leaving = await remindedAppointment(t, c, sender, {
      practitioner: dr,
      startsAt: TOMORROW_9,
    });
    const patients = Array.from({ length: 6 }, () => uniquePhone());
    const [low, high, later, optedOut, busy, otherDoctor] = patients;
    // Joined a minute apart: `low` has waited longer than `later`.
    await join(c, { patient: { phone: low }, practitioner: dr }).expect(201);
    minutes(1);
    await join(c, { patient: { phone: high }, practitioner: dr, priority: 5 }).expect(201);
    minutes(1);
    await join(c, { patient: { phone: later }, practitioner: null }).expect(201);
    await join(c, { patient: { phone: optedOut }, practitioner: dr, priority: 9 }).expect(201);
    await t.http
      .post(`/v1/patients/${encodeURIComponent(optedOut)}/opt-out`)
      .set(c.auth)
      .send({ note: 'asked by phone' })
      .expect(200);
    // Already has a visit at that very time, with someone else.
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ patient: { phone: busy }, startsAt: TOMORROW_9 }))
      .expect(201);
    await join(c, { patient: { phone: busy }, practitioner: dr, priority: 9 }).expect(201);
    await join(c, { patient: { phone: otherDoctor }, practitioner: 'Dr. Else' }).expect(201);

    await reply(t, c, leaving.phone, 'X');
    await waves();
    expect((await offersTo(c.id)).map((o) => o.to_number).sort()).toEqual([high, low].sort());
    expect((await offersTo(c.id))[0].body).toBe(
      `Lakeside Dental: an earlier time opened, Fri Nov 27 9:00 AM with ${dr}. Reply 1 to book it.`,
    );
    // Not again before waveMinutes; then the next best (any practitioner), and nobody else.
    await waves();
    expect(await offersTo(c.id)).toHaveLength(2);
    minutes(10);
    await waves();
    expect((await offersTo(c.id)).map((o) => o.to_number)).toContain(later);
    minutes(10);
    await waves();
    expect(await offersTo(c.id)).toHaveLength(3);

    await reply(t, c, low, '1');
    await reply(t, c, high, '1');
    const [booked] = await answersTo(t, c.id, low);
    expect(booked.body).toBe(
      'Lakeside Dental: you are booked Fri Nov 27 at 9:00 AM. See you then.',
    );
    const [taken] = await answersTo(t, c.id, high);
    expect(taken.body).toBe(
      'Lakeside Dental: sorry, that time was just taken. You stay on the waitlist.',
    );
    const appointments = await t.http
      .get('/v1/appointments?from=2026-11-27&to=2026-11-28&status=confirmed')
      .set(c.auth)
      .expect(200);
    const made = appointments.body.items.find(
      (a: { patient: { phone: string } }) => a.patient.phone === low,
    );
    expect(made.externalId).toBe(`turnout-${made.id}`);
    const view = await t.http.get(`/v1/appointments/${made.id}`).set(c.auth).expect(200);
    expect(view.body.filledFrom).toEqual(expect.any(String));
    expect(view.body.reminders.length).toBeGreaterThan(0);
    const deliveries: { type: string }[] = await t.ds.query(
      'SELECT type FROM calendar_deliveries WHERE appointment_id = $1',
      [made.id],
    );
    expect(deliveries.map((d) => d.type)).toEqual(['appointment.booked']);
    const list = await t.http.get('/v1/waitlist').set(c.auth).expect(200);
    const byPhone = (p: string) =>
      list.body.items.find((e: { patient: { phone: string } }) => e.patient.phone === p);
    expect(byPhone(low).status).toBe('booked');
    expect(byPhone(high).status).toBe('waiting');
    expect(byPhone(high).offers[0].status).toBe('taken');
    // Booked: no more waves.
    minutes(10);
    await waves();
    expect(await offersTo(c.id)).toHaveLength(3);

    const report = await t.http
      .get('/v1/reports/backfill')
      .query({ from: '2026-11-27', to: '2026-11-28', groupBy: 'practitioner' })
      .set(c.auth)
      .expect(200);
    const figures = {
      freedSlots: 1,
      offered: 1,
      filled: 1,
      fillRate: 1,
      medianMinutesToFill: 20,
      offerTexts: 3,
      rebookedAfterNoShow: 0,
    };
    expect(report.body.totals).toEqual(figures);
    expect(report.body.groups).toEqual([{ key: dr, ...figures }]);
    const csv = await t.http
      .get('/v1/reports/backfill')
      .query({ from: '2026-11-27', to: '2026-11-28', format: 'csv' })
      .set(c.auth)
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text).toBe(
      'scope,key,freedSlots,offered,filled,fillRate,medianMinutesToFill,offerTexts,' +
        'rebookedAfterNoShow\r\ntotal,,1,1,1,1,20,3,0\r\n',
    );
    await t.http
      .get('/v1/reports/backfill')
      .query({ from: '2026-11-28', to: '2026-11-27' })
      .set(c.auth)
      .expect(400);
  });

  it('exactly one patient gets a slot when many reply 1 at once by signed webhooks', async () => {
    const sender = uniquePhone();
    const c = await backfillClinic({
      senderNumber: sender,
      provider: { type: 'twilio', accountSid: `AC${'cd'.repeat(16)}`, authToken: AUTH_TOKEN },
      backfill: { enabled: true, waveSize: 8, waveMinutes: 10, minNoticeMinutes: 60 },
    });
    const dr = `Dr. ${uniqueId('R')}`;
    const phones = Array.from({ length: 8 }, () => uniquePhone());
    for (const phone of phones) await join(c, { patient: { phone }, practitioner: dr }).expect(201);
    const [slotId] = await uploadSlots(t, c, dr, [TOMORROW_9]);
    await waves();
    expect(await offersTo(c.id)).toHaveLength(8);

    await Promise.all(
      phones.map((phone) => {
        const { body, signature } = signedTwilio(AUTH_TOKEN, INBOUND, {
          MessageSid: twilioSid(),
          AccountSid: `AC${'cd'.repeat(16)}`,
          From: phone,
          To: sender,
          Body: '1',
          NumMedia: '0',
        });
        return t.http
          .post(INBOUND)
          .type('form')
          .set('X-Twilio-Signature', signature)
          .send(body)
          .expect(200);
      }),
    );
    // Several processors at once, each its own transaction: the database decides.
    const inbox = t.app.get(InboxProcessor);
    for (;;) {
      const claimed = await Promise.all(Array.from({ length: 4 }, () => inbox.runOnce(1)));
      if (claimed.every((n) => n === 0)) break;
    }

    const slot: { booked_appointment_id: string | null }[] = await t.ds.query(
      'SELECT booked_appointment_id FROM slots WHERE id = $1',
      [slotId],
    );
    const filled: { id: string; patient_id: string }[] = await t.ds.query(
      'SELECT id, patient_id FROM appointments WHERE clinic_id = $1 AND filled_from IS NOT NULL',
      [c.id],
    );
    expect(filled).toHaveLength(1);
    expect(slot[0].booked_appointment_id).toBe(filled[0].id);
    const answers = (await Promise.all(phones.map((p) => answersTo(t, c.id, p)))).map((a) =>
      a.map((x) => x.body),
    );
    expect(answers.every((a) => a.length === 1)).toBe(true);
    const bodies = answers.map((a) => a[0]);
    expect(bodies.filter((b) => b.includes('you are booked'))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes('just taken. You stay on the waitlist'))).toHaveLength(
      7,
    );
  });

  it('W puts the patient on the list for an earlier time (in Spanish); taking it moves the visit and frees its time', async () => {
    const c = await backfillClinic();
    const sender = c.body.senderNumber as string;
    const dr = `Dr. ${uniqueId('W')}`;
    const mine = await remindedAppointment(t, c, sender, {
      practitioner: dr,
      startsAt: '2026-12-03T10:00:00-06:00',
      patient: { name: 'Ana Diaz', phone: uniquePhone(), language: 'es' },
    });
    await reply(t, c, mine.phone, 'W');
    const [joined] = await answersTo(t, c.id, mine.phone);
    expect(joined.body).toBe(
      'Lakeside Dental: queda en la lista de espera para un horario antes del jue 3 dic 10:00. Le avisaremos por mensaje.',
    );
    const list = await t.http.get('/v1/waitlist').set(c.auth).expect(200);
    expect(list.body.items[0]).toMatchObject({
      source: 'patient',
      practitioner: dr,
      appointmentId: mine.id,
    });
    // Staff cancel an earlier visit of the same practitioner: its time is freed and offered.
    const earlier = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ practitioner: dr, startsAt: TOMORROW_9 }))
      .expect(201);
    await t.http
      .patch(`/v1/appointments/${earlier.body.id}`)
      .set(c.auth)
      .send({ status: 'cancelled' })
      .expect(200);
    await waves();
    const [offer] = await offersTo(c.id);
    expect(offer.to_number).toBe(mine.phone);
    expect(offer.body).toContain('Responda 1 para reservarlo');

    await reply(t, c, mine.phone, '1');
    const view = await t.http.get(`/v1/appointments/${mine.id}`).set(c.auth).expect(200);
    expect(view.body.startsAt).toBe('2026-11-27T15:00:00.000Z');
    expect(view.body.status).toBe('confirmed');
    expect(view.body.history.at(-1).event).toBe('REPLY_WAITLIST_SLOT');
    const freed: { freed_reason: string; cascade_depth: number }[] = await t.ds.query(
      `SELECT freed_reason, cascade_depth FROM slots
       WHERE clinic_id = $1 AND starts_at = '2026-12-03T16:00:00Z'`,
      [c.id],
    );
    expect(freed).toEqual([{ freed_reason: 'moved', cascade_depth: 1 }]);
  });

  it('one live offer per patient: two times freed at once go to different patients, the other time after the first wave', async () => {
    const c = await backfillClinic();
    const dr = `Dr. ${uniqueId('T')}`;
    const phones = Array.from({ length: 4 }, () => uniquePhone());
    for (const phone of phones) {
      await join(c, { patient: { phone }, practitioner: dr }).expect(201);
      minutes(1); // the first joined is the first offered
    }
    await uploadSlots(t, c, dr, [TOMORROW_9, '2026-11-27T10:00:00-06:00']);
    await waves();
    const offers = await offersTo(c.id);
    expect(offers.map((o) => o.to_number).sort()).toEqual([...phones].sort());
    // Each time to two patients (the first slot waved gets the two who waited longest).
    expect(offers.filter((o) => o.body.includes('9:00 AM'))).toHaveLength(2);
    expect(offers.filter((o) => o.body.includes('10:00 AM'))).toHaveLength(2);
    // Nobody answered: a wave later, each is offered the other time (once).
    minutes(10);
    await waves();
    const later = (await offersTo(c.id)).slice(4);
    expect(later).toHaveLength(4);
    const byPhone = new Map(phones.map((p) => [p, 0]));
    for (const o of await offersTo(c.id)) byPhone.set(o.to_number, byPhone.get(o.to_number)! + 1);
    expect([...byPhone.values()]).toEqual([2, 2, 2, 2]);
  });

  it('R with no open slot offers the waitlist', async () => {
    const c = await backfillClinic();
    const appt = await remindedAppointment(t, c, c.body.senderNumber as string);
    await reply(t, c, appt.phone, 'R');
    const [answer] = await answersTo(t, c.id, appt.phone);
    expect(answer.body).toContain('Reply W to join the waitlist');
  });

  it('no wave inside quiet hours: offered when they end', async () => {
    const c = await backfillClinic();
    const dr = `Dr. ${uniqueId('Q')}`;
    await join(c, { patient: { phone: uniquePhone() }, practitioner: dr }).expect(201);
    minutes(11 * 60 + 30); // 20:30 in Chicago
    await uploadSlots(t, c, dr, ['2026-11-28T15:00:00-06:00']);
    await waves();
    expect(await offersTo(c.id)).toHaveLength(0);
    minutes(11 * 60 + 30); // 08:00
    await waves();
    expect(await offersTo(c.id)).toHaveLength(1);
  });
});
