import { FakeProvider } from '../../src/messaging/providers/fake.provider';
import type { OutboundSms } from '../../src/messaging/providers/sms-provider.port';
import { ReminderClaimsRepository } from '../../src/outbound/claim/reminder-claims.repository';
import { CLAIM_AHEAD_MS } from '../../src/outbound/outbound-dispatcher.service';
import { dispatcherOf, messagesOf, remindersOf } from '../support/dispatch-helpers';
import { appointmentInput, createClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

// The default appointment (Tuesday 2026-12-01 09:30 in Chicago): its P2D reminder is due then.
const P2D_DUE = new Date('2026-11-29T15:30:00.000Z');
const BOOKED_AT = '2026-11-26T15:00:00Z';

/**
 * A reminder is claimed up to CLAIM_AHEAD_MS before its time and held here until then. A
 * cancellation committed in between must still stop it: the held reminder is read again before
 * it is released to send.
 */
describe('a cancellation while a reminder is held for its time', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => t.close());

  it('stops the reminder: no text reaches the provider, and the reminder is skipped', async () => {
    t.clock.set(BOOKED_AT);
    const c = await createClinic(t);
    const phone = uniquePhone();
    const input = appointmentInput({ patient: { name: 'Ana Diaz', phone, language: 'en' } });
    const booked = await t.http.post('/v1/appointments').set(c.auth).send(input).expect(201);
    const appointmentId = booked.body.id as string;

    const sentTo: string[] = [];
    const send = FakeProvider.prototype.send;
    jest.spyOn(FakeProvider.prototype, 'send').mockImplementation(function (
      this: FakeProvider,
      credentials,
      sms: OutboundSms,
    ) {
      sentTo.push(sms.to);
      return send.call(this, credentials, sms);
    });
    // The clinic cancels right after the claim took the reminder and wrote its text's row: the
    // claim read the appointment as scheduled, and the reminder is held for 90 ms from here.
    const claims = t.app.get(ReminderClaimsRepository);
    const insert = claims.insertMessages.bind(claims);
    let cancelled = false;
    jest.spyOn(claims, 'insertMessages').mockImplementation(async (jobs, at, lease, asks) => {
      const overCap = await insert(jobs, at, lease, asks);
      if (cancelled || !jobs.some((j) => j.appointmentId === appointmentId)) return overCap;
      cancelled = true;
      await t.http
        .post('/v1/appointments')
        .set(c.auth)
        .send({ ...input, status: 'cancelled' })
        .expect(200);
      return overCap;
    });

    t.clock.set(new Date(P2D_DUE.getTime() - 90));
    expect(90).toBeLessThan(CLAIM_AHEAD_MS);
    await dispatcherOf(t).tick();
    expect(cancelled).toBe(true);
    // Handed back unsent: the next claim finds the appointment cancelled.
    await dispatcherOf(t).tick();
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();

    expect(sentTo).not.toContain(phone);
    expect(await messagesOf(t, appointmentId)).toEqual([]);
    const reminders = await remindersOf(t, appointmentId);
    expect(reminders.map((r) => [r.offset, r.status])).toEqual([
      ['P2D', 'skipped'],
      ['PT2H', 'cancelled'],
    ]);
    expect(reminders[0].reason).toBe('appointment_not_live');
  });
});
