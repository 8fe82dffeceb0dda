import { HoldExpiry } from '../../src/conversations/hold-expiry.service';
import { createClinic, TestClinic, uniqueId, uniquePhone } from '../support/factories';
import { answersTo, reply, statusOf, uploadSlots } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { remindedAppointment } from '../support/webhooks';

describe('slot holds of a text offer', () => {
  let t: TestApp;
  let c: TestClinic;
  let sender: string;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(async () => {
    sender = uniquePhone();
    c = await createClinic(t, { senderNumber: sender });
  });
  afterAll(() => t.close());

  async function held(slotIds: string[]) {
    const rows: { id: string; held_until: Date | null; held_for_appointment_id: string | null }[] =
      await t.ds.query(
        `SELECT id, held_until, held_for_appointment_id FROM slots WHERE id = ANY($1::uuid[])`,
        [slotIds],
      );
    return rows;
  }

  it('an expired hold frees its slot, claimed by the due work, not by a timer', async () => {
    const practitioner = `Dr. ${uniqueId('H')}`;
    const appt = await remindedAppointment(t, c, sender, { practitioner });
    const ids = await uploadSlots(t, c, practitioner, ['2026-12-02T09:00:00-06:00']);
    await reply(t, c, appt.phone, 'R');
    expect((await held(ids))[0]).toMatchObject({ held_for_appointment_id: appt.id });

    const expiry = t.app.get(HoldExpiry);
    t.clock.advance(15 * 60_000 - 1);
    while ((await expiry.runOnce()) > 0);
    expect((await held(ids))[0].held_for_appointment_id).toBe(appt.id);

    t.clock.advance(1);
    while ((await expiry.runOnce()) > 0);
    expect((await held(ids))[0]).toMatchObject({ held_until: null, held_for_appointment_id: null });
    const open = await t.http.get(`/v1/slots?practitioner=${practitioner}`).set(c.auth);
    expect(open.body.items.map((s: { id: string }) => s.id)).toEqual(ids);

    // The offer is still open: its digit books the slot while nobody else took it.
    await reply(t, c, appt.phone, '1');
    expect(await statusOf(t, appt.id)).toBe('confirmed');
    expect((await answersTo(t, c.id, appt.phone)).slice(-1)[0].body).toContain('moved to');
  });
});
