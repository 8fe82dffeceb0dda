import { NoShowSweep } from '../../src/appointments/no-show-sweep.service';
import { createClinic, TestClinic } from '../support/factories';
import { deliveriesOf, statusOf } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { createAppointment } from '../support/webhooks';

/** A calendar URL that refuses at once: these specs look at the outbox rows, not delivery. */
const NOWHERE = 'http://127.0.0.1:9/turnout-events';
describe('automatic no-show', () => {
  let t: TestApp;
  let c: TestClinic;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(async () => {
    c = await createClinic(t, {
      noShowGraceMinutes: 30,
      calendarWebhookUrl: NOWHERE,
    });
  });
  afterAll(() => t.close());

  /** Everything due now, other specs' appointments included (they share the database). */
  async function sweep(): Promise<void> {
    const sweeper = t.app.get(NoShowSweep);
    while ((await sweeper.runOnce()) > 0);
  }
  // The appointment: 2026-12-01 15:30Z for 30 minutes, so it ends at 16:00Z.
  const END = Date.parse('2026-12-01T16:00:00Z');

  it('marks a scheduled or confirmed appointment past its end plus the grace, source system', async () => {
    const scheduled = await createAppointment(t, c);
    const confirmed = await createAppointment(t, c);
    await t.ds.query(`UPDATE appointments SET status = 'confirmed' WHERE id = $1`, [confirmed.id]);
    const arrived = await createAppointment(t, c);
    await t.http.patch(`/v1/appointments/${arrived.id}`).set(c.auth).send({ status: 'arrived' });

    t.clock.set(new Date(END + 30 * 60_000 - 1));
    await sweep();
    expect(await statusOf(t, scheduled.id)).toBe('scheduled');

    t.clock.set(new Date(END + 30 * 60_000));
    await sweep();
    for (const a of [scheduled, confirmed]) {
      expect(await statusOf(t, a.id)).toBe('no_show');
      const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
      expect(view.body.history.slice(-1)).toEqual([
        expect.objectContaining({ event: 'NO_SHOW_TIMEOUT', to: 'no_show', source: 'system' }),
      ]);
      // Written back like any other change.
      expect((await deliveriesOf(t, a.id)).map((d) => d.type)).toEqual(['appointment.no_show']);
    }
    expect(await statusOf(t, arrived.id)).toBe('arrived');

    // Staff correct it when the patient turns up late, as the machine allows.
    await t.http
      .patch(`/v1/appointments/${scheduled.id}`)
      .set(c.auth)
      .send({ status: 'arrived' })
      .expect(200);
    expect(await statusOf(t, scheduled.id)).toBe('arrived');
  });

  it('follows each clinic’s own grace', async () => {
    const strict = await createClinic(t, { noShowGraceMinutes: 0 });
    const a = await createAppointment(t, strict);
    const b = await createAppointment(t, c);
    t.clock.set(new Date(END));
    await sweep();
    expect(await statusOf(t, a.id)).toBe('no_show');
    expect(await statusOf(t, b.id)).toBe('scheduled');
  });

  it('is safe with several instances sweeping at once: each appointment marked once', async () => {
    const appts = await Promise.all(Array.from({ length: 12 }, () => createAppointment(t, c)));
    t.clock.set(new Date(END + 3600_000));
    const sweeper = t.app.get(NoShowSweep);
    await Promise.all([1, 2, 3, 4].map(() => sweeper.runOnce(5)));
    while ((await sweeper.runOnce(50)) > 0);
    const events: { n: string }[] = await t.ds.query(
      `SELECT count(*) AS n FROM appointment_events
       WHERE event = 'NO_SHOW_TIMEOUT' AND appointment_id = ANY($1::uuid[])`,
      [appts.map((a) => a.id)],
    );
    expect(Number(events[0].n)).toBe(appts.length);
    for (const a of appts) expect(await deliveriesOf(t, a.id)).toHaveLength(1);
  });
});
