import { randomInt } from 'node:crypto';
import { RiskRefit } from '../../src/risk/risk-refit.service';
import { createClinic, TestClinic, uniqueId, uniquePhone } from '../support/factories';
import { deliveriesOf, reply } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { simulateVisitYear } from '../support/visit-year';
import { sentReminder } from '../support/webhooks';

/** A calendar URL that refuses at once: the spec reads the stored event, not its delivery. */
const NOWHERE = 'http://127.0.0.1:9/turnout-events';

interface PastVisit {
  phone: string;
  startsAt: Date;
  bookedAt: Date;
  type: string | null;
  practitioner: string | null;
  noShow: boolean;
  confirmed: boolean;
}

/**
 * A clinic's past, as the report specs build theirs: uploaded through the API (past starts are
 * accepted), then what happened later written in SQL (the status after the visit, when it was
 * booked, a patient's confirmation in the history). The practitioner too: the generator does not
 * keep a practitioner's visits apart, and the upload refuses overlapping ones.
 */
async function seedHistory(t: TestApp, c: TestClinic, visits: PastVisit[]): Promise<void> {
  const externalIds = visits.map(() => uniqueId('H'));
  for (let from = 0; from < visits.length; from += 2_000) {
    const res = await t.http
      .post('/v1/appointments/batch')
      .set(c.auth)
      .send({
        appointments: visits.slice(from, from + 2_000).map((v, i) => ({
          externalId: externalIds[from + i],
          patient: { name: 'Pat Doe', phone: v.phone },
          startsAt: v.startsAt.toISOString(),
          durationMinutes: 30,
          type: v.type,
        })),
      })
      .expect(200);
    const errors = res.body.results.filter((r: { outcome: string }) => r.outcome === 'error');
    expect(errors).toEqual([]);
  }
  const taken = new Set<string>();
  const rows = JSON.stringify(
    visits.map((v, i) => ({
      external_id: externalIds[i],
      status: v.noShow ? 'no_show' : 'completed',
      practitioner: ownSlot(taken, v),
      booked_at: v.bookedAt,
      confirmed_at: v.confirmed ? new Date(v.startsAt.getTime() - 3_600_000) : null,
    })),
  );
  await t.ds.query(
    `UPDATE appointments a
     SET status = v.status, created_at = v.booked_at, practitioner = v.practitioner
     FROM json_to_recordset($2::json)
       AS v(external_id text, status text, booked_at timestamptz, practitioner text)
     WHERE a.clinic_id = $1 AND a.external_id = v.external_id`,
    [c.id, rows],
  );
  await t.ds.query(
    `UPDATE appointment_events e SET at = v.booked_at
     FROM json_to_recordset($2::json) AS v(external_id text, booked_at timestamptz)
     JOIN appointments a ON a.clinic_id = $1 AND a.external_id = v.external_id
     WHERE e.appointment_id = a.id AND e.event = 'CREATED'`,
    [c.id, rows],
  );
  await t.ds.query(
    `INSERT INTO appointment_events (clinic_id, appointment_id, at, event, from_status,
                                     to_status, source)
     SELECT $1, a.id, v.confirmed_at, 'REPLY_CONFIRM', 'scheduled', 'confirmed', 'patient'
     FROM json_to_recordset($2::json) AS v(external_id text, confirmed_at timestamptz)
     JOIN appointments a ON a.clinic_id = $1 AND a.external_id = v.external_id
     WHERE v.confirmed_at IS NOT NULL`,
    [c.id, rows],
  );
}

/** The visit's practitioner, or none where the generator gave them two visits at once. */
function ownSlot(taken: Set<string>, v: PastVisit): string | null {
  const key = `${v.practitioner}@${v.startsAt.getTime()}`;
  if (v.practitioner === null || taken.has(key)) return null;
  taken.add(key);
  return v.practitioner;
}

/** The generator's year, ending before the test clock's now, as this clinic's patients. */
function simulatedPast(visits: number, seed: number): PastVisit[] {
  const block = `${randomInt(2, 10)}${String(randomInt(0, 100)).padStart(2, '0')}`;
  return simulateVisitYear({ visits, seed, from: '2025-11-20' }).map((v) => ({
    ...v.facts,
    phone: `+1312${block}${String(v.patient).padStart(4, '0')}`,
    noShow: v.noShow === 1,
  }));
}

/** A patient's own past at the clinic: `noShows` of `visits` missed, a month apart. */
function patientPast(phone: string, visits: number, noShows: number, day: number): PastVisit[] {
  return Array.from({ length: visits }, (_, i) => {
    const startsAt = new Date(Date.UTC(2026, 4 + i, day, 15));
    return {
      phone,
      startsAt,
      bookedAt: new Date(startsAt.getTime() - 7 * 86_400_000),
      type: 'cleaning',
      practitioner: 'Dr. Kim',
      noShow: i < noShows,
      confirmed: false,
    };
  });
}

describe('no-show risk', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function refit(): Promise<void> {
    await t.app.get(RiskRefit).pass();
  }

  async function upcoming(
    c: TestClinic,
    phone: string,
    startsAt: string,
    practitioner = 'Dr. Kim',
  ) {
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({
        externalId: uniqueId('U'),
        patient: { name: `Patient ${phone.slice(-4)}`, phone },
        startsAt,
        durationMinutes: 30,
        practitioner,
        type: 'cleaning',
      })
      .expect(201);
    return res.body as { id: string; patient: { phone: string } };
  }

  const view = async (c: TestClinic, id: string) =>
    (await t.http.get(`/v1/appointments/${id}`).set(c.auth).expect(200)).body;

  it('learns a clinic’s model, scores with reasons, plans the extra reminder and orders the call list', async () => {
    const c = await createClinic(t, { calendarWebhookUrl: NOWHERE });
    const risky = uniquePhone();
    const steady = uniquePhone();
    await seedHistory(t, c, [
      ...simulatedPast(1_500, 11),
      ...patientPast(risky, 4, 3, 12),
      ...patientPast(steady, 6, 0, 13),
    ]);
    // The extra reminder is asked for before any score exists: scores bring it.
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ extraReminder: { aboveRisk: 0.3, offset: 'P5D' } })
      .expect(200);
    // Tuesday 8 December, Chicago: booked today (26 November), 12 days ahead.
    const a = await upcoming(c, risky, '2026-12-08T10:00:00');
    const b = await upcoming(c, steady, '2026-12-08T11:00:00');
    const d = await upcoming(c, uniquePhone(), '2026-12-08T09:00:00');
    const nextDay = await upcoming(c, uniquePhone(), '2026-12-09T09:00:00');

    // A's P2D reminder went out (the patient answers it further down).
    const patientId: string = (
      await t.ds.query('SELECT patient_id FROM appointments WHERE id = $1', [a.id])
    )[0].patient_id;
    const clinicRow = (await t.ds.query('SELECT * FROM clinics WHERE id = $1', [c.id]))[0];
    await sentReminder(
      t,
      { id: c.id, senderNumber: clinicRow.sender_number, providerType: 'fake' },
      { id: a.id, patientId, phone: risky },
      `fake-${uniqueId('M')}`,
    );
    const before = await t.http.get('/v1/risk/model').set(c.auth).expect(200);
    expect(before.body).toMatchObject({ status: 'not_fitted_yet', trainingSize: null });
    expect((await view(c, a.id)).risk).toBeUndefined();

    await refit();
    const model = (await t.http.get('/v1/risk/model').set(c.auth).expect(200)).body;
    expect(model).toMatchObject({
      status: 'fitted',
      trainingSize: 1_510,
      finishedVisits: 1_510,
      minimumVisits: 200,
      fittedAt: '2026-11-26T15:00:00.000Z',
    });
    expect(model.evaluation.visits).toBeGreaterThan(50);
    expect(model.evaluation.auc).toBeGreaterThan(0.6);
    expect(model.evaluation.brier).toBeLessThan(0.2);
    expect(model.evaluation.reliability.length).toBe(10);
    const confirmed = model.coefficients.find(
      (k: { feature: string }) => k.feature === 'confirmed',
    );
    expect(confirmed.words).toMatch(/^the patient's confirmation lowers the risk/);

    const riskyView = await view(c, a.id);
    expect(riskyView.risk.score).toBeGreaterThanOrEqual(0.3);
    expect(riskyView.risk.band).toBe('high');
    expect(riskyView.risk.reasons).toContain('3 earlier no-shows in 4 visits');
    const steadyView = await view(c, b.id);
    expect(steadyView.risk.score).toBeLessThan(0.3);
    expect(steadyView.risk.reasons.length).toBeGreaterThan(0);

    // Scored at or above 0.3: one more reminder at P5D (3 December), planned like the others.
    const extra = (v: { reminders: { offset: string; status: string }[] }) =>
      v.reminders.filter((r) => r.offset === 'P5D');
    expect(extra(riskyView)).toEqual([
      expect.objectContaining({ status: 'pending', dueAt: '2026-12-03T16:00:00.000Z' }),
    ]);
    expect(extra(steadyView)).toEqual([]);

    // The call list: 8 December's unconfirmed appointments, highest risk first.
    const list = (
      await t.http
        .get('/v1/appointments/call-list')
        .query({ date: '2026-12-08' })
        .set(c.auth)
        .expect(200)
    ).body;
    expect(list.items.map((i: { id: string }) => i.id).sort()).toEqual([a.id, b.id, d.id].sort());
    expect(list.items[0].id).toBe(a.id);
    const scores = list.items.map((i: { risk: { score: number } }) => i.risk.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    expect(
      list.items[0].reminders.map((r: { offset: string; status: string }) => [r.offset, r.status]),
    ).toEqual([
      ['P5D', 'pending'],
      ['P2D', 'sent'],
      ['PT2H', 'pending'],
    ]);
    expect(list.items.map((i: { id: string }) => i.id)).not.toContain(nextDay.id);

    // The patient confirms by text: the score drops, the extra reminder goes, the list shrinks.
    await reply(t, c, risky, 'C');
    t.clock.advance(60_000);
    await refit();
    const afterConfirm = await view(c, a.id);
    expect(afterConfirm.status).toBe('confirmed');
    expect(afterConfirm.risk.score).toBeLessThan(riskyView.risk.score);
    expect(afterConfirm.risk.reasons).toContain('confirmed by the patient');
    expect(afterConfirm.risk.score).toBeLessThan(0.3);
    expect(extra(afterConfirm)).toEqual([
      expect.objectContaining({ status: 'cancelled', reason: 'replanned' }),
    ]);
    const listAfter = (
      await t.http
        .get('/v1/appointments/call-list')
        .query({ date: '2026-12-08' })
        .set(c.auth)
        .expect(200)
    ).body;
    expect(listAfter.items.map((i: { id: string }) => i.id)).not.toContain(a.id);

    // Staff only: the calendar's copy of the confirmation carries no score.
    const [delivery] = await deliveriesOf(t, a.id);
    expect(delivery.type).toBe('appointment.confirmed');
    expect(JSON.parse(delivery.body).appointment).not.toHaveProperty('risk');
    expect(delivery.body).not.toContain('earlier no-show');
  });

  it('a clinic with little history is told so, and nothing is scored', async () => {
    const c = await createClinic(t);
    await seedHistory(t, c, simulatedPast(120, 12));
    const a = await upcoming(c, uniquePhone(), '2026-12-08T10:00:00');
    await refit();
    const model = (await t.http.get('/v1/risk/model').set(c.auth).expect(200)).body;
    expect(model).toMatchObject({
      status: 'not_enough_history',
      finishedVisits: 120,
      minimumVisits: 200,
      trainingSize: null,
      coefficients: [],
      evaluation: null,
    });
    expect(model.message).toMatch(/^Not enough history yet: 120 finished visits/);
    expect((await view(c, a.id)).risk).toBeUndefined();
    const list = (
      await t.http
        .get('/v1/appointments/call-list')
        .query({ date: '2026-12-08' })
        .set(c.auth)
        .expect(200)
    ).body;
    expect(list.items).toEqual([expect.objectContaining({ id: a.id, risk: null })]);
  });

  it('looks again only at a clinic with something new: a new appointment is scored a minute on, an unchanged clinic is left alone', async () => {
    const c = await createClinic(t);
    await seedHistory(t, c, simulatedPast(400, 13));
    t.clock.advance(60_000);
    await refit();
    const fitted = (await t.http.get('/v1/risk/model').set(c.auth).expect(200)).body;
    expect(fitted).toMatchObject({ status: 'fitted', finishedVisits: 400 });
    const checkedAt = async () =>
      (await t.ds.query('SELECT checked_at FROM risk_models WHERE clinic_id = $1', [c.id]))[0]
        .checked_at as Date;
    const firstLook = await checkedAt();

    // Nothing new: the next minute's pass leaves the clinic alone (not taken, not refitted).
    t.clock.advance(60_000);
    await refit();
    expect(await checkedAt()).toEqual(firstLook);

    // A new appointment has no score: the next pass takes the clinic and scores it, model kept.
    const a = await upcoming(c, uniquePhone(), '2026-12-10T10:00:00');
    t.clock.advance(60_000);
    await refit();
    expect(await checkedAt()).not.toEqual(firstLook);
    expect((await view(c, a.id)).risk.score).toBeGreaterThan(0);
    const after = (await t.http.get('/v1/risk/model').set(c.auth).expect(200)).body;
    expect(after.fittedAt).toBe(fitted.fittedAt);
  });

  it('takes the call list’s day on the clinic’s clock, across a DST change (a 23-hour day)', async () => {
    const c = await createClinic(t);
    // Chicago springs forward on Sunday 14 March 2027: the local day is 23 hours long.
    const inside = ['2027-03-14T00:00:00', '2027-03-14T03:00:00', '2027-03-14T23:45:00'];
    const outside = ['2027-03-13T23:45:00', '2027-03-15T00:00:00'];
    const ids = new Map<string, string>();
    for (const startsAt of [...inside, ...outside]) {
      ids.set(startsAt, (await upcoming(c, uniquePhone(), startsAt, `Dr. ${startsAt}`)).id);
    }
    const list = (
      await t.http
        .get('/v1/appointments/call-list')
        .query({ date: '2027-03-14' })
        .set(c.auth)
        .expect(200)
    ).body;
    expect(list.timezone).toBe('America/Chicago');
    // Nothing is scored (no history): by start time.
    expect(list.items.map((i: { id: string }) => i.id)).toEqual(inside.map((s) => ids.get(s)));
    expect(list.items.map((i: { startsAt: string }) => i.startsAt)).toEqual([
      '2027-03-14T06:00:00.000Z',
      '2027-03-14T08:00:00.000Z',
      '2027-03-15T04:45:00.000Z',
    ]);
  });

  it.each([
    [{ aboveRisk: 1.5, offset: 'P5D' }, 'extraReminder.aboveRisk must not be greater than 1'],
    [{ aboveRisk: 0.3, offset: '5 days' }, 'extraReminder.offset must be a positive ISO 8601'],
    [{ offset: 'P5D' }, 'extraReminder.aboveRisk must'],
    ['high', 'extraReminder must be'],
  ])('refuses extraReminder %j with a 400 naming the field', async (extraReminder, message) => {
    const c = await createClinic(t);
    const res = await t.http.patch('/v1/clinic').set(c.auth).send({ extraReminder }).expect(400);
    expect(res.body.message.join(' | ')).toContain(message);
  });

  it.each([
    [{}, 'date must be a calendar date'],
    [{ date: '2026-13-01' }, 'date must be a calendar date YYYY-MM-DD (got "2026-13-01")'],
    [{ date: '2026-02-30' }, 'date must be a calendar date'],
    [{ date: '08/12/2026' }, 'date must be a calendar date YYYY-MM-DD'],
  ])('refuses a call list for %j with a 400 naming the date', async (query, message) => {
    const c = await createClinic(t);
    const res = await t.http.get('/v1/appointments/call-list').query(query).set(c.auth).expect(400);
    expect(res.body.message.join(' | ')).toContain(message);
  });

  it('extraReminder can be read back and cleared', async () => {
    const c = await createClinic(t, { extraReminder: { aboveRisk: 0.25, offset: 'P4D' } });
    expect(c.body.extraReminder).toEqual({ aboveRisk: 0.25, offset: 'P4D' });
    const cleared = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ extraReminder: null })
      .expect(200);
    expect(cleared.body.extraReminder).toBeNull();
  });
});
