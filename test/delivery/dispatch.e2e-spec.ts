import { ReminderClaimsRepository } from '../../src/outbound/claim/reminder-claims.repository';
import { OutcomesRepository } from '../../src/outbound/record/outcomes.repository';
import { buildSendJob } from '../../src/outbound/claim/outbound-reminder';
import { uuidV7 } from '../../src/outbound/randomness';
import { dispatcherOf, messagesOf, remindersOf, upload } from '../support/dispatch-helpers';
import { appointmentInput, createClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

// The default appointment: Tuesday 2026-12-01 09:30 in Chicago (15:30Z). Its P2D reminder is
// due Sunday 09:30 (2026-11-29T15:30Z); its PT2H one falls at 07:30, inside the 20:00-08:00
// quiet hours, so it is due at 08:00 (14:00Z).
const P2D_DUE = '2026-11-29T15:30:00.000Z';
const PT2H_DUE = '2026-12-01T14:00:00.000Z';
const BOOKED_AT = '2026-11-26T15:00:00Z';

describe('reminder dispatch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  // Every test books at the same moment; ticks serve the whole table, so each test asserts on
  // its own appointment's rows only.
  beforeEach(() => t.clock.set(BOOKED_AT));
  afterAll(() => t.close());

  it('sends a reminder once when it is due, and records it in the history', async () => {
    const c = await createClinic(t);
    const phone = uniquePhone();
    const a = await upload(t, c, { patient: { name: 'Ana Diaz', phone, language: 'en' } });

    t.clock.set('2026-11-29T15:29:59Z');
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id)).map((r) => r.status)).toEqual(['pending', 'pending']);

    t.clock.set(P2D_DUE);
    expect((await dispatcherOf(t).tick()).sent).toBeGreaterThanOrEqual(1);
    await dispatcherOf(t).tick();

    const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
    expect(view.body.reminders).toEqual([
      expect.objectContaining({ offset: 'P2D', dueAt: P2D_DUE, status: 'sent', sentAt: P2D_DUE }),
      expect.objectContaining({ offset: 'PT2H', dueAt: PT2H_DUE, status: 'pending' }),
    ]);
    expect(view.body.messages).toEqual([
      {
        direction: 'outbound',
        kind: 'reminder',
        body:
          'Lakeside Dental: reminder of your appointment Tue Dec 1 at 9:30 AM. ' +
          'Reply C to confirm, R to reschedule, X to cancel.',
        at: P2D_DUE,
        status: 'queued',
        segments: 1,
        media: [],
      },
    ]);
    const [message] = await messagesOf(t, a.id);
    expect(message.to_number).toBe(phone);
    expect(message.provider_message_id).toMatch(/^fake-/);
    const [sent] = await remindersOf(t, a.id);
    expect(sent).toMatchObject({ attempts: 1, message_id: message.id });
  });

  it('takes a reminder due within 100 ms ahead of its time, and sends it no sooner', async () => {
    const c = await createClinic(t);
    const a = await upload(t, c);
    // 80 ms before it is due: the claim takes it, and it is held until its time.
    t.clock.set(new Date(new Date(P2D_DUE).getTime() - 80));
    const started = performance.now();
    await dispatcherOf(t).tick();
    const elapsed = performance.now() - started;
    const [p2d, pt2h] = await remindersOf(t, a.id);
    expect(p2d.status).toBe('sent');
    expect(pt2h.status).toBe('pending');
    expect(elapsed).toBeGreaterThanOrEqual(79);
    expect(await messagesOf(t, a.id)).toHaveLength(1);
  });

  it('writes in Spanish to a Spanish-speaking patient, in the patient’s zone', async () => {
    const c = await createClinic(t);
    const a = await upload(t, c, {
      patient: { name: 'Luis', phone: uniquePhone(), language: 'es', timezone: 'America/Denver' },
    });
    const [first] = await remindersOf(t, a.id);
    t.clock.set(first.due_at);
    await dispatcherOf(t).tick();
    const [message] = await messagesOf(t, a.id);
    expect(message.body).toBe(
      'Lakeside Dental: recordatorio de su cita el mar 1 dic a las 8:30. ' +
        'Responda C para confirmar, R para cambiar, X para cancelar.',
    );
  });

  it('says "see you" without the C/R/X prompt once the patient has confirmed', async () => {
    const c = await createClinic(t);
    const a = await upload(t, c);
    await t.ds.query(`UPDATE appointments SET status = 'confirmed' WHERE id = $1`, [a.id]);
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    const [message] = await messagesOf(t, a.id);
    expect(message.body).toBe('Lakeside Dental: see you Tue Dec 1 at 9:30 AM.');
  });

  it('skips the reminders of an opted-out patient', async () => {
    const c = await createClinic(t);
    const phone = uniquePhone();
    const a = await upload(t, c, { patient: { name: 'Ana', phone } });
    await t.ds.query(
      `UPDATE patients SET opted_out_at = $3, opt_out_source = 'keyword'
       WHERE clinic_id = $1 AND phone = $2`,
      [c.id, phone, '2026-11-27T10:00:00Z'],
    );
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    const [p2d] = await remindersOf(t, a.id);
    expect(p2d).toMatchObject({ status: 'skipped', reason: 'opted_out', attempts: 0 });
    expect(await messagesOf(t, a.id)).toEqual([]);
  });

  it('skips a reminder whose appointment stopped being live after it was planned', async () => {
    const c = await createClinic(t);
    const a = await upload(t, c);
    // As if the cancellation landed while the reminder was already being claimed.
    await t.ds.query(`UPDATE appointments SET status = 'cancelled' WHERE id = $1`, [a.id]);
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    const [p2d] = await remindersOf(t, a.id);
    expect(p2d).toMatchObject({ status: 'skipped', reason: 'appointment_not_live' });
  });

  it('skips a reminder claimed only after the appointment started', async () => {
    const c = await createClinic(t);
    const a = await upload(t, c, { startsAt: '2026-11-28T10:00:00-06:00' });
    t.clock.set('2026-11-28T16:05:00Z');
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id)).map((r) => [r.status, r.reason])).toEqual([
      ['skipped', 'too_late'],
      ['skipped', 'too_late'],
    ]);
  });

  describe('quiet hours at claim time', () => {
    it('hold a reminder claimed at night until the window ends in the patient’s zone', async () => {
      const c = await createClinic(t);
      const a = await upload(t, c);
      // The dispatcher was down; it comes back at 21:00 in Chicago on Sunday.
      t.clock.set('2026-11-30T03:00:00Z');
      await dispatcherOf(t).tick();
      const [p2d] = await remindersOf(t, a.id);
      expect(p2d).toMatchObject({ status: 'pending', reason: 'quiet_hours', attempts: 0 });
      expect(p2d.run_at.toISOString()).toBe('2026-11-30T14:00:00.000Z'); // Monday 08:00 CST
      expect(p2d.due_at.toISOString()).toBe(P2D_DUE);

      t.clock.set('2026-11-30T14:00:00Z');
      await dispatcherOf(t).tick();
      expect((await remindersOf(t, a.id))[0].status).toBe('sent');
    });

    it('send at 21:00 in Chicago to a patient for whom it is 19:00 in Los Angeles', async () => {
      const c = await createClinic(t);
      const a = await upload(t, c, {
        patient: { name: 'Ana', phone: uniquePhone(), timezone: 'America/Los_Angeles' },
      });
      const [p2d] = await remindersOf(t, a.id);
      // 07:30 PST that Sunday is still quiet in Los Angeles: held to 08:00 PST.
      expect(p2d.due_at.toISOString()).toBe('2026-11-29T16:00:00.000Z');
      t.clock.set('2026-11-30T03:00:00Z');
      await dispatcherOf(t).tick();
      expect((await remindersOf(t, a.id))[0].status).toBe('sent');
    });
  });

  it('sends one catch-up at once for a booking too late for every offset', async () => {
    const c = await createClinic(t);
    // Booked at 09:00 for 10:30 the same morning: P2D and PT2H are both past.
    const a = await upload(t, c, { startsAt: '2026-11-26T10:30:00-06:00' });
    expect((await remindersOf(t, a.id)).map((r) => [r.offset, r.status])).toEqual([
      ['P2D', 'skipped'],
      ['PT2H', 'skipped'],
      ['catch_up', 'pending'],
    ]);
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id))[2].status).toBe('sent');
    const [message] = await messagesOf(t, a.id);
    expect(message.body).toContain('Thu Nov 26 at 10:30 AM');
  });

  it('sends the replanned reminder, not the old one, after a reschedule', async () => {
    // Two texts from one sender within a second of real time: a rate of 1 would defer the second.
    const c = await createClinic(t, { sendRatePerSecond: 100 });
    const a = await upload(t, c);
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();

    t.clock.set('2026-11-29T16:00:00Z');
    await t.http
      .patch(`/v1/appointments/${a.id}`)
      .set(c.auth)
      .send({ startsAt: '2026-12-03T14:00:00' })
      .expect(200);
    const rows = await remindersOf(t, a.id);
    expect(rows.map((r) => [r.offset, r.status, r.reason])).toEqual([
      ['P2D', 'sent', null], // the history stays
      ['PT2H', 'cancelled', 'replanned'],
      ['P2D', 'pending', null],
      ['PT2H', 'pending', null],
    ]);

    t.clock.set(PT2H_DUE); // the old PT2H time: nothing of this appointment is due any more
    await dispatcherOf(t).tick();
    expect(await messagesOf(t, a.id)).toHaveLength(1);
    t.clock.set('2026-12-01T20:00:00Z'); // the new P2D: Tuesday 14:00 CST
    await dispatcherOf(t).tick();
    const messages = await messagesOf(t, a.id);
    expect(messages.map((m) => m.body.match(/appointment (.*?)\./)?.[1])).toEqual([
      'Tue Dec 1 at 9:30 AM',
      'Thu Dec 3 at 2:00 PM',
    ]);
  });

  it('sends nothing for an appointment the clinic cancelled', async () => {
    const c = await createClinic(t);
    const input = appointmentInput();
    const a = await t.http.post('/v1/appointments').set(c.auth).send(input).expect(201);
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({ ...input, status: 'cancelled' })
      .expect(200);
    t.clock.set(PT2H_DUE);
    await dispatcherOf(t).tick();
    expect(await messagesOf(t, a.body.id)).toEqual([]);
    expect((await remindersOf(t, a.body.id)).map((r) => r.status)).toEqual([
      'cancelled',
      'cancelled',
    ]);
  });

  it('applies changed clinic offsets to pending reminders of future appointments', async () => {
    const c = await createClinic(t);
    const a = await upload(t, c);
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ reminderOffsets: ['P1D'] })
      .expect(200);
    const pending = (await remindersOf(t, a.id)).filter((r) => r.status === 'pending');
    expect(pending.map((r) => [r.offset, r.due_at.toISOString()])).toEqual([
      ['P1D', '2026-11-30T15:30:00.000Z'],
    ]);
    t.clock.set('2026-11-30T15:30:00Z');
    await dispatcherOf(t).tick();
    expect(await messagesOf(t, a.id)).toHaveLength(1);
  });

  describe('leases', () => {
    it('retry a reminder whose claimer died once its lease runs out, and only then', async () => {
      const c = await createClinic(t);
      const a = await upload(t, c);
      t.clock.set(P2D_DUE);
      const now = t.clock.now();
      const claims = t.app.get(ReminderClaimsRepository);
      const lease = new Date(now.getTime() + 60_000);
      const claimed = (await claims.claim('dead-instance', now, lease, 10_000)).find(
        (r) => r.appointmentId === a.id,
      )!;
      expect(claimed).toBeDefined();

      await dispatcherOf(t).tick();
      expect((await remindersOf(t, a.id))[0]).toMatchObject({
        status: 'sending',
        leased_by: 'dead-instance',
      });
      t.clock.advance(60_001);
      await dispatcherOf(t).tick();
      expect(await messagesOf(t, a.id)).toHaveLength(1);

      // The dead instance wakes up and reports a failure: it no longer holds the lease.
      const late = await t.app.get(OutcomesRepository).apply(t.ds.manager, 'dead-instance', [
        {
          kind: 'failed',
          messageKind: 'reminder',
          reminderId: claimed.id,
          messageId: null,
          attempted: false,
          reason: 'x',
          code: null,
          detail: 'x',
        },
      ]);
      expect(late.size).toBe(0);
      const [p2d] = await remindersOf(t, a.id);
      expect(p2d.status).toBe('sent');
      expect(p2d.leased_by).not.toBe('dead-instance');
    });
  });

  describe('after a crash', () => {
    it('settles the dead instance’s text as unknown, counts its attempt, and sends again', async () => {
      const c = await createClinic(t);
      const a = await upload(t, c);
      t.clock.set(P2D_DUE);
      const now = t.clock.now();
      const lease = { until: new Date(now.getTime() + 60_000), by: 'dead-instance' };
      const claimed = (
        await t.app.get(ReminderClaimsRepository).claim(lease.by, now, lease.until, 10_000)
      ).filter((r) => r.appointmentId === a.id);
      expect(claimed).toHaveLength(1);
      // It wrote the message row, maybe called the provider, and died before the outcome.
      const job = buildSendJob(
        claimed[0],
        'reminder',
        now,
        'https://x.test',
        uuidV7(now.getTime()),
      );
      await t.app.get(ReminderClaimsRepository).insertMessages([job], now, lease);

      // While the lease runs, the text is the dead instance's: nothing is settled or re-sent.
      t.clock.advance(30_000);
      await dispatcherOf(t).tick();
      expect((await messagesOf(t, a.id)).map((m) => m.status)).toEqual(['pending']);

      t.clock.advance(30_001);
      await dispatcherOf(t).tick();
      const messages = await messagesOf(t, a.id);
      expect(messages.map((m) => m.status)).toEqual(['unknown', 'queued']);
      const [p2d] = await remindersOf(t, a.id);
      // One attempt that may have reached the provider, one that did.
      expect(p2d).toMatchObject({ status: 'sent', attempts: 2, message_id: messages[1].id });
      const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
      expect(view.body.messages.map((m: { status: string }) => m.status)).toEqual([
        'unknown',
        'queued',
      ]);
    });
  });

  it('exposes reminders by outcome and the dispatch lateness on /metrics', async () => {
    const c = await createClinic(t);
    await upload(t, c);
    t.clock.set('2026-11-29T15:30:02Z');
    await dispatcherOf(t).tick();
    const res = await t.http.get('/metrics').expect(200);
    expect(res.text).toMatch(/turnout_reminders_total\{outcome="sent"\} [1-9]/);
    expect(res.text).toContain('turnout_reminders_total{outcome="failed"}');
    expect(res.text).toMatch(/turnout_dispatch_lateness_seconds_bucket\{le="5"\} [1-9]/);
    expect(res.text).toMatch(/turnout_dispatch_lateness_seconds_count [1-9]/);
  });

  it('warns in the clinic settings when a reminder would need two segments', async () => {
    const short = await createClinic(t);
    expect(short.body.warnings).toEqual([]);
    const long = await createClinic(t, {
      name: 'Lakeside Family and Cosmetic Dentistry of Greater Chicago',
    });
    expect(long.body.warnings).toEqual([
      expect.objectContaining({ template: 'reminder', language: 'en', segments: 2 }),
      expect.objectContaining({ template: 'reminder', language: 'es', segments: 2 }),
    ]);
    const read = await t.http.get('/v1/clinic').set(long.auth).expect(200);
    expect(read.body.warnings).toHaveLength(2);
    const renamed = await t.http.patch('/v1/clinic').set(long.auth).send({ name: 'Lakeside' });
    expect(renamed.body.warnings).toEqual([]);
  });
});

describe('reminder dispatch: many reminders due at one instant', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { DISPATCH_BATCH_SIZE: '2' }, now: BOOKED_AT });
  });
  afterAll(() => t.close());

  it('takes about two batches ahead of their time, not all of them', async () => {
    // Earlier than every other test's reminders, so the claims find these first.
    t.clock.set('2026-11-20T15:00:00Z');
    const c = await createClinic(t, { sendRatePerSecond: 100 });
    const ids: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const patient = { name: `P${i}`, phone: uniquePhone() };
      const a = await upload(t, c, { patient, startsAt: '2026-11-24T09:30:00-06:00' });
      ids.push(a.id);
    }
    const due = new Date('2026-11-22T15:30:00Z');
    expect((await remindersOf(t, ids[0]))[0].due_at).toEqual(due);
    const taken = () =>
      t.ds
        .query(
          `SELECT count(*)::int AS n FROM reminders
           WHERE appointment_id = ANY($1) AND "offset" = 'P2D' AND status <> 'pending'`,
          [ids],
        )
        .then((rows: { n: number }[]) => rows[0].n);
    // 80 ms before they are due; halfway there, the claims are done and nothing is sent yet.
    t.clock.set(new Date(due.getTime() - 80));
    const ticking = dispatcherOf(t).tick();
    await new Promise((resolve) => setTimeout(resolve, 40));
    const takenAhead = await taken();
    await ticking;
    // Two batches of two held: not all eight.
    expect(takenAhead).toBeGreaterThan(0);
    expect(takenAhead).toBeLessThanOrEqual(4);
    for (const id of ids) expect((await remindersOf(t, id))[0].status).toBe('sent');
  });
});
