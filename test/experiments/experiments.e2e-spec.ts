import { compare, wilsonInterval } from '../../src/experiments/experiment-statistics';
import { assignVariant } from '../../src/experiments/variant-assignment';
import { dispatcherOf, remindersOf, upload } from '../support/dispatch-helpers';
import { appointmentInput, createClinic, TestClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

// Thursday 2026-11-26 09:00 in Chicago; the appointments are on Tuesday 2026-12-01 09:30.
const NOW = '2026-11-26T15:00:00Z';
const TODAY = '2026-11-26';

const COST_EN =
  '{clinic}: appointment {day} at {time}. A missed visit costs us about $160. ' +
  'Reply C to confirm, R to reschedule, X to cancel.';
const COST_ES =
  '{clinic}: cita el {day} a las {time}. Si no acude, nos cuesta unos $160. ' +
  'Responda C para confirmar, R para cambiar, X para cancelar.';

function experimentInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'cost of a missed visit',
    variants: [
      { key: 'control' },
      { key: 'cost', templates: { en: COST_EN, es: COST_ES } },
      { key: 'early', reminderOffsets: ['P3D', 'P1D'] },
    ],
    weights: [1, 1, 1],
    startsOn: TODAY,
    endsOn: null,
    ...overrides,
  };
}

describe('experiments', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: NOW });
  });
  beforeEach(() => t.clock.set(NOW));
  afterAll(() => t.close());

  async function start(c: TestClinic, overrides: Record<string, unknown> = {}) {
    const res = await t.http.post('/v1/experiments').set(c.auth).send(experimentInput(overrides));
    expect(res.status).toBe(201);
    return res.body as { id: string; weights: number[]; variants: { key: string }[] };
  }

  /** Uploads appointments until each wanted variant has one (each 1 in 3: a few tries). */
  async function oneOfEach(
    c: TestClinic,
    keys: string[],
    language = 'en',
    startsAt = '2026-12-01T09:30:00-06:00',
  ) {
    const found = new Map<string, string>();
    for (let i = 0; i < 40 && found.size < keys.length; i++) {
      const a = await upload(t, c, {
        patient: { name: 'Ana Diaz', phone: uniquePhone(), language },
        startsAt,
      });
      const variant = (a.body.experiment as { variant: string }).variant;
      if (keys.includes(variant) && !found.has(variant)) found.set(variant, a.id);
    }
    expect([...found.keys()].sort()).toEqual([...keys].sort());
    return found;
  }

  it('creates an experiment, reporting encoding and segments per language', async () => {
    const c = await createClinic(t);
    const created = await start(c);
    expect(created).toMatchObject({
      name: 'cost of a missed visit',
      status: 'running',
      weights: [1, 1, 1],
      startsOn: TODAY,
      endsOn: null,
      endedAt: null,
      variants: [
        { key: 'control' },
        {
          key: 'cost',
          templates: { en: COST_EN, es: COST_ES },
          templateChecks: {
            en: { encoding: 'GSM-7', segments: 1 },
            es: { encoding: 'GSM-7', segments: 1 },
          },
        },
        { key: 'early', reminderOffsets: ['P3D', 'P1D'] },
      ],
    });
    const list = await t.http.get('/v1/experiments').set(c.auth).expect(200);
    expect(list.body.items.map((e: { id: string }) => e.id)).toEqual([created.id]);
    const ready = await t.http.get('/v1/experiments/ready-templates').set(c.auth).expect(200);
    expect(ready.body.items[0]).toMatchObject({
      key: 'cost',
      templates: { en: COST_EN, es: COST_ES },
    });
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const c = await createClinic(t);
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        {
          variants: [
            { key: 'control' },
            { key: 'x', templates: { en: '{clinic} {day} {time} {name}', es: COST_ES } },
          ],
        },
        /^variants\[1\]\.templates\.en uses \{name\}/,
      ],
      [
        {
          variants: [
            { key: 'control' },
            { key: 'x', templates: { en: COST_EN, es: '{clinic}: cita el {day}.' } },
          ],
        },
        /^variants\[1\]\.templates\.es must use the default reminder's placeholders .*missing \{time\}/,
      ],
      [
        { variants: [{ key: 'control' }, { key: 'x', templates: { en: COST_EN } }] },
        /^variants\.1\.templates\.es /,
      ],
      [{ weights: [1, 1] }, /^weights must have one weight per variant \(3\)/],
      [{ weights: [1, -1, 1] }, /^each value in weights must be a positive number/],
      [
        { variants: [{ key: 'a' }, { key: 'b', reminderOffsets: ['2 days'] }] },
        /^variants\.1\.reminderOffsets/,
      ],
      [{ variants: [{ key: 'a' }, { key: 'a' }] }, /^variants\[1\]\.key must be unique/],
      [{ variants: [{ key: 'only' }] }, /^variants must contain at least 2 elements/],
      [{ startsOn: '2026-02-30' }, /^startsOn must be a calendar date/],
      [{ endsOn: '2026-11-01' }, /^endsOn must not be before startsOn/],
      [{ colour: 'red' }, /colour should not exist/],
    ];
    for (const [overrides, message] of cases) {
      const res = await t.http.post('/v1/experiments').set(c.auth).send(experimentInput(overrides));
      expect({ overrides, status: res.status }).toEqual({ overrides, status: 400 });
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    }
    const long = `${COST_EN} ${'x'.repeat(470)}`;
    const tooLong = await t.http
      .post('/v1/experiments')
      .set(c.auth)
      .send(
        experimentInput({
          variants: [{ key: 'a' }, { key: 'b', templates: { en: long, es: COST_ES } }],
          weights: [1, 1],
        }),
      )
      .expect(400);
    expect(tooLong.body.message).toEqual([
      expect.stringMatching(/^variants\[1\]\.templates\.en needs 4 GSM-7 segments; at most 3/),
    ]);
  });

  it('runs one experiment per clinic at a time: 409 names the open one; end frees it', async () => {
    const c = await createClinic(t);
    const first = await start(c);
    const again = await t.http
      .post('/v1/experiments')
      .set(c.auth)
      .send(experimentInput())
      .expect(409);
    expect(again.body.message).toEqual([
      expect.stringContaining(`experiment "cost of a missed visit" (${first.id}) is running`),
    ]);
    // Another clinic is not affected, and cannot see or end this one.
    const other = await createClinic(t);
    await start(other);
    await t.http.post(`/v1/experiments/${first.id}/end`).set(other.auth).expect(404);
    await t.http.get(`/v1/experiments/${first.id}/results`).set(other.auth).expect(404);

    const ended = await t.http.post(`/v1/experiments/${first.id}/end`).set(c.auth).expect(200);
    expect(ended.body).toMatchObject({ status: 'ended', endedAt: NOW.replace('Z', '.000Z') });
    await t.http.post(`/v1/experiments/${first.id}/end`).set(c.auth).expect(200);
    await start(c, { name: 'timing' });
  });

  it('records a stable assignment at planning, keeps it on re-plan and move, and uses its offsets', async () => {
    const c = await createClinic(t);
    const before = await upload(t, c);
    expect(before.body.experiment).toBeUndefined();
    const experiment = await start(c);
    const ids = await oneOfEach(c, ['control', 'early']);

    for (const [variant, id] of ids) {
      const index = assignVariant(experiment.id, id, experiment.weights);
      expect(experiment.variants[index].key).toBe(variant);
      const view = await t.http.get(`/v1/appointments/${id}`).set(c.auth).expect(200);
      expect(view.body.experiment).toEqual({ id: experiment.id, variant });
    }
    const early = ids.get('early')!;
    const pending = async (id: string) =>
      (await remindersOf(t, id)).filter((r) => r.status === 'pending').map((r) => r.offset);
    expect(await pending(early)).toEqual(['P3D', 'P1D']);
    expect(await pending(ids.get('control')!)).toEqual(['P2D', 'PT2H']);

    // Moved by staff, then re-uploaded with another time: same variant, its offsets again.
    await t.http
      .patch(`/v1/appointments/${early}`)
      .set(c.auth)
      .send({ startsAt: '2026-12-03T10:00:00-06:00' })
      .expect(200);
    const moved = await t.http.get(`/v1/appointments/${early}`).set(c.auth).expect(200);
    expect(moved.body.experiment).toEqual({ id: experiment.id, variant: 'early' });
    expect(await pending(early)).toEqual(['P3D', 'P1D']);
    const [row] = await t.ds.query(
      `SELECT experiment_id, variant FROM experiment_assignments WHERE appointment_id = $1`,
      [early],
    );
    expect(row).toEqual({ experiment_id: experiment.id, variant: 'early' });
    // New clinic offsets re-plan the clinic's appointments; the variant's own offsets stay.
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ reminderOffsets: ['P1D'] })
      .expect(200);
    expect(await pending(early)).toEqual(['P3D', 'P1D']);
    expect(await pending(ids.get('control')!)).toEqual(['P1D']);

    // Ended: nothing new is assigned, and what was assigned stays.
    await t.http.post(`/v1/experiments/${experiment.id}/end`).set(c.auth).expect(200);
    const after = await upload(t, c);
    expect(after.body.experiment).toBeUndefined();
    const still = await t.http.get(`/v1/appointments/${early}`).set(c.auth).expect(200);
    expect(still.body.experiment).toEqual({ id: experiment.id, variant: 'early' });
  });

  it('runs on local dates in the clinic’s zone, across the autumn DST change', async () => {
    // Chicago falls back at 02:00 on Sunday 2026-11-01: that day has 25 hours, so it ends at
    // 06:00Z on Nov 2 (CST), not 05:00Z (as a CDT offset kept from the morning would say).
    t.clock.set('2026-10-31T15:00:00Z');
    const c = await createClinic(t);
    const experiment = await start(c, { startsOn: '2026-10-31', endsOn: '2026-11-01' });
    const startsAt = '2026-11-20T09:30:00-06:00';
    t.clock.set('2026-11-02T05:30:00Z'); // 23:30 on Nov 1, the last day
    const late = await upload(t, c, { startsAt });
    expect(late.body.experiment).toEqual({ id: experiment.id, variant: expect.any(String) });
    t.clock.set('2026-11-02T06:00:00Z'); // midnight: Nov 2
    const after = await upload(t, c, { startsAt });
    expect(after.body.experiment).toBeUndefined();
    const list = await t.http.get('/v1/experiments').set(c.auth).expect(200);
    expect(list.body.items[0]).toMatchObject({ id: experiment.id, status: 'ended', endedAt: null });
    // Lapsed, it no longer blocks the next one.
    await start(c, { startsOn: '2026-11-02' });
  });

  it('sends the variant’s wording through the one pipeline, in the patient’s language', async () => {
    const c = await createClinic(t, { sendRatePerSecond: 100 });
    await start(c);
    // Saturday 09:30: the P2D reminders are due at 15:30Z today, before any other test's.
    const startsAt = '2026-11-28T09:30:00-06:00';
    const en = (await oneOfEach(c, ['cost'], 'en', startsAt)).get('cost')!;
    const es = (await oneOfEach(c, ['cost'], 'es', startsAt)).get('cost')!;
    t.clock.set('2026-11-26T15:30:00Z');
    // One tick serves a batch of the whole table (other tests' reminders are due too).
    for (let sent = 1; sent > 0;) sent = (await dispatcherOf(t).tick()).sent;
    const outbox = await t.http.get('/v1/simulator/outbox?limit=500').set(c.auth).expect(200);
    const bodies = outbox.body.items.map((m: { body: string }) => m.body);
    expect(bodies).toContain(
      'Lakeside Dental: appointment Sat Nov 28 at 9:30 AM. A missed visit costs us about $160. ' +
        'Reply C to confirm, R to reschedule, X to cancel.',
    );
    expect(bodies).toContain(
      'Lakeside Dental: cita el sab 28 nov a las 9:30. Si no acude, nos cuesta unos $160. ' +
        'Responda C para confirmar, R para cambiar, X para cancelar.',
    );
    for (const id of [en, es]) {
      const view = await t.http.get(`/v1/appointments/${id}`).set(c.auth).expect(200);
      expect(view.body.messages[0].body).toMatch(/\$160/);
    }
  });

  it('reports results over the finished visits, with the statistics of the unit spec', async () => {
    const c = await createClinic(t);
    const experiment = await start(c, {
      variants: [{ key: 'control' }, { key: 'cost', templates: { en: COST_EN, es: COST_ES } }],
      weights: [1, 1],
    });
    const batch = await t.http
      .post('/v1/appointments/batch')
      .set(c.auth)
      .send({ appointments: Array.from({ length: 24 }, () => appointmentInput()) })
      .expect(200);
    const ids: string[] = batch.body.results.map((r: { id: string }) => r.id);
    const byVariant = new Map<string, string[]>([
      ['control', []],
      ['cost', []],
    ]);
    for (const id of ids) {
      const key = experiment.variants[assignVariant(experiment.id, id, [1, 1])].key;
      byVariant.get(key)!.push(id);
    }
    // Outcomes marked by staff: in control every other visit missed, in cost one in four;
    // the last of each stays upcoming.
    const expected = new Map<string, { noShows: number; attended: number }>();
    for (const [key, list] of byVariant) {
      let noShows = 0;
      let attended = 0;
      for (const [i, id] of list.slice(0, -1).entries()) {
        const missed = key === 'control' ? i % 2 === 0 : i % 4 === 0;
        await t.http
          .patch(`/v1/appointments/${id}`)
          .set(c.auth)
          .send({ status: missed ? 'no_show' : 'arrived' })
          .expect(200);
        if (missed) noShows++;
        else attended++;
      }
      expected.set(key, { noShows, attended });
    }
    const res = await t.http
      .get(`/v1/experiments/${experiment.id}/results`)
      .set(c.auth)
      .expect(200);
    const control = expected.get('control')!;
    const cost = expected.get('cost')!;
    const rate = (o: { noShows: number; attended: number }) => o.noShows / (o.noShows + o.attended);
    const wilson = wilsonInterval(cost.noShows, cost.noShows + cost.attended)!;
    const comparison = compare(cost, control)!;
    expect(res.body).toMatchObject({ experimentId: experiment.id, status: 'running' });
    expect(res.body.variants).toEqual([
      expect.objectContaining({
        key: 'control',
        appointments: byVariant.get('control')!.length,
        ...control,
        noShowRate: Number(rate(control).toFixed(4)),
        comparison: null,
        sentence: null,
      }),
      expect.objectContaining({
        key: 'cost',
        appointments: byVariant.get('cost')!.length,
        ...cost,
        noShowRate: Number(rate(cost).toFixed(4)),
        noShowRateInterval: {
          low: Number(wilson.low.toFixed(4)),
          high: Number(wilson.high.toFixed(4)),
        },
        confirmedRate: 0,
        comparison: expect.objectContaining({
          against: 'control',
          pValue: comparison.pValue,
          test: comparison.test,
          neededPerVariant: comparison.neededPerVariant,
        }),
        sentence: expect.stringMatching(/^Not enough visits yet to tell/),
      }),
    ]);
    expect(res.body.summary).toBe(res.body.variants[1].sentence);
  });
});
