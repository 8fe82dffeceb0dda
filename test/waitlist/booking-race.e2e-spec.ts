import { BackfillWaves } from '../../src/waitlist/backfill-waves.service';
import { InboxProcessor } from '../../src/webhooks/inbox/inbox-processor.service';
import { createClinic, TestClinic, uniqueId, uniquePhone } from '../support/factories';
import { answersTo } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import {
  createAppointment,
  remindedAppointment,
  signedTwilio,
  twilioSid,
} from '../support/webhooks';

/**
 * Freed time booked by text while staff book the same time (API.md, "Waitlist and filling freed
 * time": exactly one patient gets any slot, whatever the race). Staff have no route that books
 * a slot as such: they move an appointment onto the time (PATCH startsAt, role staff) or the
 * clinic's calendar uploads one there (POST /v1/appointments). Each race is run for real: the
 * patients' signed webhooks are stored first, then several inbox processors (each its own
 * transaction) and the staff request go at once; whichever wins, the time has one holder and
 * every loser is told so. The clock starts at 2026-11-26 15:00Z, 09:00 in Chicago.
 */
const AUTH_TOKEN = 'race-twilio-token';
const ACCOUNT = `AC${'ef'.repeat(16)}`;
const INBOUND = '/webhooks/twilio/inbound';
const TOMORROW_9 = '2026-11-27T09:00:00-06:00';
const TOMORROW_9_UTC = '2026-11-27T15:00:00.000Z';
const PATIENTS = 6;
const BOOKED = 'Lakeside Dental: you are booked Fri Nov 27 at 9:00 AM. See you then.';
const TAKEN = 'Lakeside Dental: sorry, that time was just taken. You stay on the waitlist.';

describe('freed time: a staff booking racing the patients’ replies', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const waves = () => t.app.get(BackfillWaves).runOnce();
  const minutes = (n: number) => t.clock.advance(n * 60_000);

  async function raceClinic(): Promise<{ c: TestClinic; sender: string; dr: string }> {
    const sender = uniquePhone();
    const c = await createClinic(t, {
      senderNumber: sender,
      provider: { type: 'twilio', accountSid: ACCOUNT, authToken: AUTH_TOKEN },
      backfill: { enabled: true, waveSize: PATIENTS, waveMinutes: 10, minNoticeMinutes: 60 },
    });
    return { c, sender, dr: `Dr. ${uniqueId('S')}` };
  }

  /** Patients on the waitlist for `dr`; a visit of `dr` at TOMORROW_9 cancelled by X; waved. */
  async function freedAndOffered(c: TestClinic, sender: string, dr: string) {
    const phones = Array.from({ length: PATIENTS }, () => uniquePhone());
    for (const phone of phones) {
      await t.http
        .post('/v1/waitlist')
        .set(c.auth)
        .send({ patient: { phone }, practitioner: dr })
        .expect(201);
    }
    const leaving = await remindedAppointment(t, c, sender, {
      practitioner: dr,
      startsAt: TOMORROW_9,
    });
    await texts(sender, [leaving.phone], 'X');
    await settle(c.id);
    await waves();
    const offered: { n: number }[] = await t.ds.query(
      `SELECT count(*)::int AS n FROM messages WHERE clinic_id = $1 AND kind = 'backfill_offer'`,
      [c.id],
    );
    expect(offered[0].n).toBe(PATIENTS);
    return phones;
  }

  /** The patients' `1`s, stored by the signed webhook route (not processed yet). */
  function ones(sender: string, phones: string[]): Promise<void> {
    return texts(sender, phones, '1');
  }

  async function texts(sender: string, phones: string[], text: string): Promise<void> {
    for (const phone of phones) {
      const { body, signature } = signedTwilio(AUTH_TOKEN, INBOUND, {
        MessageSid: twilioSid(),
        AccountSid: ACCOUNT,
        From: phone,
        To: sender,
        Body: text,
        NumMedia: '0',
      });
      await t.http
        .post(INBOUND)
        .type('form')
        .set('X-Twilio-Signature', signature)
        .send(body)
        .expect(200);
    }
  }

  /** Four processors at once until nothing is claimed. */
  async function processors(): Promise<void> {
    const inbox = t.app.get(InboxProcessor);
    for (;;) {
      const claimed = await Promise.all(Array.from({ length: 4 }, () => inbox.runOnce(1)));
      if (claimed.every((n) => n === 0)) return;
    }
  }

  /** Every text settled, retries included (a retry waits its backoff on the manual clock). */
  async function settle(clinicId: string): Promise<void> {
    for (;;) {
      await processors();
      const open: { n: number }[] = await t.ds.query(
        `SELECT count(*)::int AS n FROM webhook_inbox
         WHERE clinic_id = $1 AND processed_at IS NULL AND failed_at IS NULL`,
        [clinicId],
      );
      if (open[0].n === 0) return;
      t.clock.advance(70_000);
    }
  }

  /** The live appointments of `dr` holding TOMORROW_9. */
  async function holders(clinicId: string, dr: string): Promise<{ id: string }[]> {
    return t.ds.query(
      `SELECT id FROM appointments
       WHERE clinic_id = $1 AND practitioner = $2 AND occupies_time
         AND tstzrange(starts_at, ends_at, '[)') && tstzrange($3::timestamptz,
           $3::timestamptz + interval '30 minutes', '[)')`,
      [clinicId, dr, TOMORROW_9_UTC],
    );
  }

  async function answers(clinicId: string, phones: string[]): Promise<string[][]> {
    return Promise.all(
      phones.map(async (p) => (await answersTo(t, clinicId, p)).map((a) => a.body)),
    );
  }

  async function offerCount(clinicId: string): Promise<number> {
    const rows: { n: number }[] = await t.ds.query(
      `SELECT count(*)::int AS n FROM messages WHERE clinic_id = $1 AND kind = 'backfill_offer'`,
      [clinicId],
    );
    return rows[0].n;
  }

  /** Offers made for the freed time at TOMORROW_9. */
  async function offersOfNine(clinicId: string): Promise<number> {
    const rows: { n: number }[] = await t.ds.query(
      `SELECT count(*)::int AS n FROM waitlist_offers o JOIN slots s ON s.id = o.slot_id
       WHERE o.clinic_id = $1 AND s.starts_at = $2`,
      [clinicId, TOMORROW_9_UTC],
    );
    return rows[0].n;
  }

  /**
   * One holder, and the answers that go with the winner: staff won (200) and every patient was
   * told it was taken, or a patient won (the staff request a 409 naming the overlap), one
   * patient booked and the others told.
   */
  async function expectOneHolder(
    c: TestClinic,
    dr: string,
    phones: string[],
    staff: { status: number; body: { message?: string[] } },
    staffAppointment: string,
  ): Promise<'staff' | 'patient'> {
    const held = await holders(c.id, dr);
    expect(held).toHaveLength(1);
    const bodies = await answers(c.id, phones);
    expect(bodies.every((b) => b.length === 1)).toBe(true);
    const flat = bodies.map((b) => b[0]);
    if (staff.status === 200) {
      expect(held[0].id).toBe(staffAppointment);
      expect(flat).toEqual(phones.map(() => TAKEN));
      return 'staff';
    }
    expect(staff.status).toBe(409);
    expect(staff.body.message).toEqual([
      'practitioner already has an appointment overlapping that time',
    ]);
    expect(held[0].id).not.toBe(staffAppointment);
    expect(flat.filter((b) => b === BOOKED)).toHaveLength(1);
    expect(flat.filter((b) => b === TAKEN)).toHaveLength(PATIENTS - 1);
    const slot: { booked_appointment_id: string }[] = await t.ds.query(
      `SELECT booked_appointment_id FROM slots
       WHERE clinic_id = $1 AND practitioner = $2 AND starts_at = $3`,
      [c.id, dr, TOMORROW_9_UTC],
    );
    expect(slot).toEqual([{ booked_appointment_id: held[0].id }]);
    return 'patient';
  }

  it.each([1, 2, 3, 4, 5, 6])(
    'staff move an appointment onto the freed time while %#: patients reply 1',
    async () => {
      const { c, sender, dr } = await raceClinic();
      const phones = await freedAndOffered(c, sender, dr);
      const other = await createAppointment(t, c, {
        practitioner: dr,
        startsAt: '2026-11-27T14:00:00-06:00',
      });
      await ones(sender, phones);
      const [staff] = await Promise.all([
        t.http
          .patch(`/v1/appointments/${other.id}`)
          .set(c.auth)
          .send({ startsAt: TOMORROW_9 })
          .then((r) => r),
        processors(),
      ]);
      await settle(c.id);
      await expectOneHolder(c, dr, phones, staff, other.id);
      // Whoever holds it, the time is not offered again (the time the move left is).
      const before = await offersOfNine(c.id);
      minutes(10);
      await waves();
      minutes(10);
      await waves();
      expect(await offersOfNine(c.id)).toBe(before);
    },
  );

  it('staff move a visit onto freed time: its waves stop (a later wave would offer a taken time)', async () => {
    const { c, sender, dr } = await raceClinic();
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ backfill: { waveSize: 2 } })
      .expect(200);
    const phones = Array.from({ length: 4 }, () => uniquePhone());
    for (const phone of phones) {
      await t.http
        .post('/v1/waitlist')
        .set(c.auth)
        .send({ patient: { phone }, practitioner: dr })
        .expect(201);
      minutes(1); // the first joined is the first offered
    }
    const leaving = await remindedAppointment(t, c, sender, {
      practitioner: dr,
      startsAt: TOMORROW_9,
    });
    await texts(sender, [leaving.phone], 'X');
    await settle(c.id);
    await waves();
    expect(await offersOfNine(c.id)).toBe(2);
    const other = await createAppointment(t, c, {
      practitioner: dr,
      startsAt: '2026-11-27T14:00:00-06:00',
    });
    await t.http
      .patch(`/v1/appointments/${other.id}`)
      .set(c.auth)
      .send({ startsAt: TOMORROW_9 })
      .expect(200);
    // One of the first wave answering 1 now is told it was taken.
    await ones(sender, phones.slice(0, 1));
    await settle(c.id);
    expect((await answers(c.id, phones.slice(0, 1)))[0]).toEqual([TAKEN]);
    minutes(10);
    await waves();
    expect(await offersOfNine(c.id)).toBe(2);
    expect(await holders(c.id, dr)).toEqual([{ id: other.id }]);
  });

  it('a patient took it first: the staff move onto that time is a 409 naming the overlap', async () => {
    const { c, sender, dr } = await raceClinic();
    const phones = await freedAndOffered(c, sender, dr);
    await ones(sender, phones.slice(0, 1));
    await settle(c.id);
    expect((await answers(c.id, phones.slice(0, 1)))[0]).toEqual([BOOKED]);
    const other = await createAppointment(t, c, {
      practitioner: dr,
      startsAt: '2026-11-27T14:00:00-06:00',
    });
    const staff = await t.http
      .patch(`/v1/appointments/${other.id}`)
      .set(c.auth)
      .send({ startsAt: TOMORROW_9 })
      .expect(409);
    expect(staff.body.message).toEqual([
      'practitioner already has an appointment overlapping that time',
    ]);
    const held = await holders(c.id, dr);
    expect(held).toHaveLength(1);
    expect(held[0].id).not.toBe(other.id);
  });

  it('the clinic’s upload of a visit at the freed time races the replies', async () => {
    const { c, sender, dr } = await raceClinic();
    const phones = await freedAndOffered(c, sender, dr);
    await ones(sender, phones);
    const externalId = uniqueId('U');
    const [upload] = await Promise.all([
      t.http
        .post('/v1/appointments')
        .set(c.auth)
        .send({
          externalId,
          patient: { phone: uniquePhone() },
          startsAt: TOMORROW_9,
          durationMinutes: 30,
          practitioner: dr,
        })
        .then((r) => r),
      processors(),
    ]);
    await settle(c.id);
    const staff = { status: upload.status === 201 ? 200 : upload.status, body: upload.body };
    await expectOneHolder(c, dr, phones, staff, upload.body.id);
    const before = await offerCount(c.id);
    minutes(10);
    await waves();
    expect(await offerCount(c.id)).toBe(before);
  });

  it('a second wave for the slot racing the booking: booked once, later offers told it was taken, no wave after', async () => {
    const { c, sender, dr } = await raceClinic();
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ backfill: { waveSize: 2 } })
      .expect(200);
    const phones = Array.from({ length: 4 }, () => uniquePhone());
    for (const phone of phones) {
      await t.http
        .post('/v1/waitlist')
        .set(c.auth)
        .send({ patient: { phone }, practitioner: dr })
        .expect(201);
      minutes(1);
    }
    const leaving = await remindedAppointment(t, c, sender, {
      practitioner: dr,
      startsAt: TOMORROW_9,
    });
    await texts(sender, [leaving.phone], 'X');
    await settle(c.id);
    await waves();
    expect(await offerCount(c.id)).toBe(2);
    minutes(10); // the second wave is due
    await ones(sender, phones.slice(0, 1));
    await Promise.all([processors(), waves()]);
    await settle(c.id);
    const second = (await offerCount(c.id)) - 2;
    expect([0, 2]).toContain(second);
    // The ones offered in the second wave (if it went) take it too late.
    minutes(1);
    await ones(sender, phones.slice(2));
    await settle(c.id);
    const bodies = (await answers(c.id, phones)).map((b) => b[0]);
    expect(bodies[0]).toBe(BOOKED);
    expect(bodies.slice(2)).toEqual(second === 2 ? [TAKEN, TAKEN] : [undefined, undefined]);
    expect(await holders(c.id, dr)).toHaveLength(1);
    minutes(10);
    await waves();
    expect(await offerCount(c.id)).toBe(2 + second);
  });
});
