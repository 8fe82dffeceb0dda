import { createClinic } from '../support/factories';
import { dispatcherOf, remindersOf } from '../support/dispatch-helpers';
import { reply } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { remindedAppointment } from '../support/webhooks';

/** `skipWhenConfirmed`: offsets not sent once the patient confirmed; a reschedule request undoes it. */
describe('skipWhenConfirmed', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('skips the offset once confirmed (reason confirmed), sends it after a reschedule request', async () => {
    const c = await createClinic(t, { reminderOffsets: ['P1D', 'PT2H'] });
    const bad = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ skipWhenConfirmed: ['PT3H'] })
      .expect(400);
    expect(bad.body.message.join(' ')).toContain('skipWhenConfirmed');
    const ok = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ skipWhenConfirmed: ['PT2H'] })
      .expect(200);
    expect(ok.body.skipWhenConfirmed).toEqual(['PT2H']);

    const sender = c.body.senderNumber as string;
    // Friday 14:00 in Chicago; the P1D reminder counts as sent, the PT2H one is due 12:00.
    const startsAt = '2026-11-27T14:00:00-06:00';
    const confirmed = await remindedAppointment(t, c, sender, { startsAt });
    const changedMind = await remindedAppointment(t, c, sender, {
      startsAt,
      practitioner: 'Dr. Other',
    });
    await reply(t, c, confirmed.phone, 'C');
    await reply(t, c, changedMind.phone, 'C');
    await reply(t, c, changedMind.phone, 'R');

    t.clock.advance(27 * 3600_000); // 2026-11-27 18:00Z, 12:00 local
    await dispatcherOf(t).tick();
    await dispatcherOf(t).tick();
    const skipped = (await remindersOf(t, confirmed.id)).find((r) => r.offset === 'PT2H')!;
    expect(skipped).toMatchObject({ status: 'skipped', reason: 'confirmed' });
    const sent = (await remindersOf(t, changedMind.id)).find((r) => r.offset === 'PT2H')!;
    expect(['sent', 'delivered']).toContain(sent.status);
  });
});
