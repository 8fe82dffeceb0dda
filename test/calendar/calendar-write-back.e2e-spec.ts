import { Client } from 'pg';
import { CALENDAR_WORK } from '../../src/calendar/calendar-deliveries.repository';
import { CalendarWriteBack } from '../../src/calendar/calendar-write-back.service';
import { DueSignals } from '../../src/common/due-work/due-signals';
import { CalendarReceiver } from '../support/calendar-receiver';
import { createClinic, TestClinic } from '../support/factories';
import { deliveriesOf, reply } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { remindedAppointment } from '../support/webhooks';

describe('calendar write-back delivery', () => {
  let t: TestApp;
  let c: TestClinic;
  let receiver: CalendarReceiver;
  let sender: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { CALENDAR_TIMEOUT_MS: '1000' } });
  });
  beforeEach(async () => {
    receiver = new CalendarReceiver();
    const url = await receiver.start();
    sender = `+1312555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    c = await createClinic(t, { senderNumber: sender, calendarWebhookUrl: url });
    receiver.secret = c.webhookSecret;
  });
  afterEach(() => receiver.stop());
  afterAll(() => t.close());

  /** Everything due now, other specs' events included (they share the database). */
  async function deliver(): Promise<void> {
    const service = t.app.get(CalendarWriteBack);
    while ((await service.runOnce()) > 0);
  }

  async function confirmedAppointment() {
    const appt = await remindedAppointment(t, c, sender);
    await reply(t, c, appt.phone, 'C');
    return appt;
  }

  it('POSTs the event signed over its exact body with the clinic secret', async () => {
    const appt = await confirmedAppointment();
    await deliver();
    expect(receiver.events).toHaveLength(1);
    const [event] = receiver.events;
    expect(event).toMatchObject({
      type: 'appointment.confirmed',
      appointmentId: appt.id,
      signatureValid: true,
    });
    const [row] = await deliveriesOf(t, appt.id);
    expect(event.body).toBe(row.body);
    expect(JSON.parse(event.body).id).toMatch(/^evt_[0-9a-f]{32}$/);
    const list = await t.http.get('/v1/calendar-deliveries?status=delivered').set(c.auth);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: event.id,
        appointmentId: appt.id,
        type: 'appointment.confirmed',
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 204,
        lastError: null,
        deliveredAt: '2026-11-26T15:00:00.000Z',
      }),
    ]);
    // Delivered once: nothing is due any more.
    await deliver();
    expect(receiver.events).toHaveLength(1);
  });

  it('retries a failing receiver with exponential backoff; the same bytes every time', async () => {
    receiver.answers = [{ status: 500 }, { status: 503 }];
    const appt = await confirmedAppointment();
    await deliver();
    const [failedOnce] = (await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items;
    expect(failedOnce).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 500,
      lastError: 'calendar says 500',
      nextAttemptAt: '2026-11-26T15:00:10.000Z',
    });
    await deliver(); // not due yet
    expect(receiver.events).toHaveLength(1);
    t.clock.advance(10_000);
    await deliver();
    t.clock.advance(19_999);
    await deliver();
    expect(receiver.events).toHaveLength(2);
    t.clock.advance(1);
    await deliver();
    expect(receiver.events.map((e) => e.signatureValid)).toEqual([true, true, true]);
    expect(new Set(receiver.events.map((e) => e.body)).size).toBe(1);
    expect((await deliveriesOf(t, appt.id))[0]).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('delivers the events of one appointment in order: a later one waits for the earlier', async () => {
    receiver.answers = [{ status: 500 }];
    const appt = await confirmedAppointment();
    await t.http.patch(`/v1/appointments/${appt.id}`).set(c.auth).send({ status: 'cancelled' });
    await deliver();
    // The confirmation failed; the cancellation was not even tried.
    expect(receiver.events.map((e) => e.type)).toEqual(['appointment.confirmed']);
    // The loop's next look is the confirmation's retry: the cancellation behind it is not due
    // before it (its own time, now, would have the loop look every second for nothing).
    const retryAt = t.clock.now().getTime() + 10_000;
    expect(await t.app.get(CalendarWriteBack).pass()).toEqual(new Date(retryAt));
    t.clock.advance(10_000);
    await deliver();
    await deliver();
    expect(receiver.events.map((e) => e.type)).toEqual([
      'appointment.confirmed',
      'appointment.confirmed',
      'appointment.cancelled',
    ]);
  });

  it('waits for a slow receiver; one that never answers in time is retried', async () => {
    receiver.answers = [
      { status: 200, delayMs: 1_500 },
      { status: 200, delayMs: 300 },
    ];
    const appt = await confirmedAppointment();
    await deliver();
    const [late] = (await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items;
    expect(late).toMatchObject({ status: 'pending', lastStatusCode: null });
    expect(late.lastError).toMatch(/TimeoutError/);
    t.clock.advance(10_000);
    await deliver();
    expect((await deliveriesOf(t, appt.id))[0]).toMatchObject({ status: 'delivered' });
  });

  it('gives up after 24 hours, counts it in /metrics, and staff can retry it', async () => {
    receiver.answers = Array.from({ length: 100 }, () => ({ status: 500 }));
    const appt = await confirmedAppointment();
    for (let i = 0; i < 60; i += 1) {
      await deliver();
      const [row] = await deliveriesOf(t, appt.id);
      if (row.status === 'failed') break;
      t.clock.advance(3600_000);
    }
    const [row] = await deliveriesOf(t, appt.id);
    expect(row.status).toBe('failed');
    expect(row.attempts).toBeGreaterThan(20);
    const metrics = await t.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/turnout_calendar_deliveries_total\{outcome="failed"\} [1-9]/);
    const failed = await t.http.get('/v1/calendar-deliveries?status=failed').set(c.auth);
    expect(failed.body.items.map((d: { id: string }) => d.id)).toEqual([row.id]);

    receiver.answers = [];
    // The retry wakes every instance's write-back loop (which otherwise looks once a minute).
    const wake = DueSignals.wake(CALENDAR_WORK);
    const listener = new Client({ connectionString: process.env.DATABASE_URL });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query(`LISTEN ${wake.channel}`);
    const retried = await t.http
      .post(`/v1/calendar-deliveries/${row.id}/retry`)
      .set(c.auth)
      .expect(200);
    expect(retried.body).toMatchObject({ id: row.id, status: 'pending' });
    for (let i = 0; i < 50 && !heard.includes(wake.payload); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await listener.end();
    expect(heard).toContain(wake.payload);
    await deliver();
    expect((await deliveriesOf(t, appt.id))[0].status).toBe('delivered');
    // Only a failed event can be retried; another clinic's is not found.
    await t.http.post(`/v1/calendar-deliveries/${row.id}/retry`).set(c.auth).expect(409);
    const other = await createClinic(t);
    await t.http.post(`/v1/calendar-deliveries/${row.id}/retry`).set(other.auth).expect(404);
    await t.http.post('/v1/calendar-deliveries/evt_nope/retry').set(c.auth).expect(404);
    const none = await t.http.get('/v1/calendar-deliveries').set(other.auth).expect(200);
    expect(none.body.items).toEqual([]);
  });

  it('validates the list filter', async () => {
    const res = await t.http.get('/v1/calendar-deliveries?status=lost').set(c.auth).expect(400);
    expect(res.body.message).toEqual([expect.stringMatching(/^status must be one of/)]);
    await t.http.get('/v1/calendar-deliveries').expect(401);
  });
});
