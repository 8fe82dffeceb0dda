import { InboxProcessor } from '../../src/webhooks/inbox/inbox-processor.service';
import { appointmentInput, createClinic, TestClinic, uniquePhone } from '../support/factories';
import { answersTo, reply, send, statusOf, uploadSlots } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { remindedAppointment } from '../support/webhooks';

/**
 * Races that real traffic produces, run for real: concurrent HTTP requests and several inbox
 * processors in parallel (each its own transaction), the database deciding.
 */

/** A calendar URL that refuses at once: these specs look at the outbox rows, not delivery. */
const NOWHERE = 'http://127.0.0.1:9/turnout-events';
describe('reply workflow under concurrency', () => {
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
      calendarWebhookUrl: NOWHERE,
    });
  });
  afterAll(() => t.close());

  const reminded = (overrides: Record<string, unknown> = {}) =>
    remindedAppointment(t, c, sender, overrides);

  /** Several processors at once, each claiming one event per pass, until nothing is left. */
  async function processInParallel(processors = 4): Promise<void> {
    const inbox = t.app.get(InboxProcessor);
    for (;;) {
      const claimed = await Promise.all(Array.from({ length: processors }, () => inbox.runOnce(1)));
      if (claimed.every((n) => n === 0)) return;
    }
  }

  /** The history is one chain: every change starts where the one before it ended. */
  async function expectConsistentHistory(appointmentId: string): Promise<string[]> {
    const rows: { event: string; from_status: string | null; to_status: string }[] =
      await t.ds.query(
        `SELECT event, from_status, to_status FROM appointment_events
         WHERE appointment_id = $1 ORDER BY id`,
        [appointmentId],
      );
    for (let i = 1; i < rows.length; i += 1) {
      expect(rows[i].from_status).toBe(rows[i - 1].to_status);
    }
    expect(rows[rows.length - 1].to_status).toBe(await statusOf(t, appointmentId));
    return rows.map((r) => r.event);
  }

  async function deliveryTypes(appointmentId: string): Promise<string[]> {
    const rows: { type: string }[] = await t.ds.query(
      'SELECT type FROM calendar_deliveries WHERE appointment_id = $1 ORDER BY seq',
      [appointmentId],
    );
    return rows.map((r) => r.type);
  }

  it('C and X within a millisecond: applied one after the other, each answered once', async () => {
    const appt = await reminded();
    await Promise.all([send(t, c, appt.phone, 'C'), send(t, c, appt.phone, 'X')]);
    await processInParallel();
    expect(await statusOf(t, appt.id)).toBe('cancelled');
    const events = await expectConsistentHistory(appt.id);
    const answers = await answersTo(t, c.id, appt.phone);
    expect(answers).toHaveLength(2);
    if (events.includes('REPLY_CONFIRM')) {
      // C came first: confirmed, then cancelled, both written back in that order.
      expect(events.slice(1)).toEqual(['REPLY_CONFIRM', 'REPLY_CANCEL']);
      expect(await deliveryTypes(appt.id)).toEqual([
        'appointment.confirmed',
        'appointment.cancelled',
      ]);
    } else {
      // X came first: the C found no live appointment to confirm. Both answers were written in
      // the same millisecond of the test's clock, so their ids say nothing of their order.
      expect(events.slice(1)).toEqual(['REPLY_CANCEL']);
      expect(answers.map((a) => a.body).sort()).toEqual([
        expect.stringContaining('we have no upcoming appointment'),
        expect.stringContaining('your appointment Tue Dec 1 at 9:30 AM is cancelled'),
      ]);
    }
  });

  it('a reply racing a staff PATCH: serialised on the appointment row, history consistent', async () => {
    for (let round = 0; round < 5; round += 1) {
      const appt = await reminded();
      await send(t, c, appt.phone, 'C');
      const [patched] = await Promise.all([
        t.http.patch(`/v1/appointments/${appt.id}`).set(c.auth).send({ status: 'cancelled' }),
        processInParallel(2),
      ]);
      expect(patched.status).toBe(200);
      expect(await statusOf(t, appt.id)).toBe('cancelled');
      const events = await expectConsistentHistory(appt.id);
      expect(events.filter((e) => e === 'STAFF_CANCEL')).toHaveLength(1);
      expect(await answersTo(t, c.id, appt.phone)).toHaveLength(1);
      const writeBack = await deliveryTypes(appt.id);
      expect(writeBack.slice(-1)).toEqual(['appointment.cancelled']);
    }
  });

  it('an upload moving the appointment while an offer is open: one wins, the other follows', async () => {
    const practitioner = `Dr. ${uniquePhone()}`;
    const input = appointmentInput({ practitioner });
    const appt = await reminded(input);
    const { phone } = appt;
    const created = { body: { id: appt.id } };
    const [slotId] = await uploadSlots(t, c, practitioner, ['2026-12-02T09:00:00-06:00']);
    await reply(t, c, phone, 'R');
    expect(await statusOf(t, created.body.id)).toBe('reschedule_requested');

    await send(t, c, phone, '1');
    const moved = { ...input, startsAt: '2026-12-04T11:00:00-06:00' };
    const [upload] = await Promise.all([
      t.http.post('/v1/appointments').set(c.auth).send(moved),
      processInParallel(2),
    ]);
    expect(upload.status).toBe(200);
    const view = await t.http.get(`/v1/appointments/${created.body.id}`).set(c.auth);
    // The upload is the clinic's word on the time, whichever came first.
    expect(view.body.startsAt).toBe('2026-12-04T17:00:00.000Z');
    expect(view.body.status).toBe('scheduled');
    const events = await expectConsistentHistory(created.body.id);
    expect(events.filter((e) => e === 'IMPORT_RESCHEDULE')).toHaveLength(1);
    const answers = await answersTo(t, c.id, phone);
    expect(answers).toHaveLength(2); // the offer, and one answer to "1"
    const booked: { n: string }[] = await t.ds.query(
      'SELECT count(*) AS n FROM slots WHERE id = $1 AND booked_appointment_id IS NOT NULL',
      [slotId],
    );
    expect(Number(booked[0].n)).toBeLessThanOrEqual(1);
  });

  it('two patients answer 1 for the same slot: booked once, the other gets a fresh answer', async () => {
    const practitioner = `Dr. ${uniquePhone()}`;
    const first = await reminded({ practitioner });
    const second = await reminded({ practitioner, startsAt: '2026-12-01T11:00:00-06:00' });
    const [slotId] = await uploadSlots(t, c, practitioner, ['2026-12-03T09:00:00-06:00']);
    await reply(t, c, first.phone, 'R');
    // The first patient's hold lapses; the same slot is then offered to the second.
    t.clock.advance(16 * 60_000);
    await reply(t, c, second.phone, 'R');
    for (const p of [first, second]) {
      expect((await answersTo(t, c.id, p.phone))[0].body).toContain('1) Thu Dec 3 9:00 AM');
    }
    t.clock.advance(60_000);
    await Promise.all([send(t, c, first.phone, '1'), send(t, c, second.phone, '1')]);
    await processInParallel(2);

    const booked: { booked_appointment_id: string }[] = await t.ds.query(
      'SELECT booked_appointment_id FROM slots WHERE id = $1',
      [slotId],
    );
    // The live hold decides: the second patient's.
    expect(booked[0].booked_appointment_id).toBe(second.id);
    expect(await statusOf(t, second.id)).toBe('confirmed');
    expect(await statusOf(t, first.id)).toBe('reschedule_requested');
    const firstAnswers = await answersTo(t, c.id, first.phone);
    expect(firstAnswers).toHaveLength(2);
    // A fresh answer: no slot left, or (when the winner's move committed first) the time the
    // winner gave back, offered anew.
    expect(firstAnswers[1].body).toMatch(/the clinic will call|that time was just taken/);
    expect(await answersTo(t, c.id, second.phone)).toHaveLength(2);
    await expectConsistentHistory(first.id);
    await expectConsistentHistory(second.id);
  });

  it('many patients racing for a few slots: no slot is ever booked twice', async () => {
    const practitioner = `Dr. ${uniquePhone()}`;
    const patients = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        reminded({
          practitioner,
          startsAt: `2026-12-01T${String(8 + i).padStart(2, '0')}:00:00-06:00`,
        }),
      ),
    );
    await uploadSlots(t, c, practitioner, [
      '2026-12-07T09:00:00-06:00',
      '2026-12-07T10:00:00-06:00',
      '2026-12-07T11:00:00-06:00',
    ]);
    for (const p of patients) {
      await reply(t, c, p.phone, 'R');
      // Each hold lapses before the next patient asks, so all are offered the same slots.
      t.clock.advance(16 * 60_000);
    }
    await Promise.all(patients.map((p, i) => send(t, c, p.phone, String((i % 3) + 1))));
    await processInParallel(6);
    const rows: { booked_appointment_id: string | null }[] = await t.ds.query(
      `SELECT booked_appointment_id FROM slots
       WHERE clinic_id = $1 AND practitioner = $2 AND starts_at >= '2026-12-07'`,
      [c.id, practitioner],
    );
    const bookedBy = rows.map((r) => r.booked_appointment_id).filter((x) => x !== null);
    expect(new Set(bookedBy).size).toBe(bookedBy.length);
    const confirmed = [];
    for (const p of patients) {
      await expectConsistentHistory(p.id);
      if ((await statusOf(t, p.id)) === 'confirmed') confirmed.push(p.id);
      // Every "digit" got exactly one answer after its offer.
      expect(await answersTo(t, c.id, p.phone)).toHaveLength(2);
    }
    expect(confirmed.sort()).toEqual([...bookedBy].sort());
  });
});
