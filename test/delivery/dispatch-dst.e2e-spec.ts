import { dispatcherOf, messagesOf, remindersOf, upload } from '../support/dispatch-helpers';
import { createClinic } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A reminder's day parts are calendar days in the patient's zone (the clinic's here), its time
 * parts exact durations: over a DST weekend, "two days before" keeps the wall time, not 48 hours.
 * From the upload through the API to the text the dispatcher sends.
 */
describe('reminder dispatch over DST weekends', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(() => t.clock.set('2026-11-26T15:00:00Z'));
  afterAll(() => t.close());

  async function planAndSend(timezone: string, startsAt: string) {
    const c = await createClinic(t, {
      timezone,
      reminderOffsets: ['P2D', 'P1D', 'PT2H'],
      quietHours: null,
      sendRatePerSecond: 100,
    });
    const a = await upload(t, c, { startsAt });
    const rows = await remindersOf(t, a.id);
    for (const row of rows) {
      t.clock.set(row.due_at);
      await dispatcherOf(t).tick();
    }
    const sent = await remindersOf(t, a.id);
    const bodies = (await messagesOf(t, a.id)).map((m) => m.body.match(/appointment (.*?)\./)?.[1]);
    return {
      due: Object.fromEntries(sent.map((r) => [r.offset, r.due_at.toISOString()])),
      statuses: sent.map((r) => r.status),
      bodies,
    };
  }

  it('US spring forward: Monday 2027-03-15 09:30 in New York', async () => {
    const r = await planAndSend('America/New_York', '2027-03-15T09:30:00');
    expect(r.due).toEqual({
      P2D: '2027-03-13T14:30:00.000Z', // Saturday 09:30 EST, not 48 hours before
      P1D: '2027-03-14T13:30:00.000Z', // Sunday 09:30 EDT
      PT2H: '2027-03-15T11:30:00.000Z',
    });
    expect(r.statuses).toEqual(['sent', 'sent', 'sent']);
    expect(new Set(r.bodies)).toEqual(new Set(['Mon Mar 15 at 9:30 AM']));
  });

  it('US fall back: Monday 2027-11-08 09:30 in New York', async () => {
    const r = await planAndSend('America/New_York', '2027-11-08T09:30:00');
    expect(r.due).toMatchObject({
      P2D: '2027-11-06T13:30:00.000Z', // Saturday 09:30 EDT
      P1D: '2027-11-07T14:30:00.000Z', // Sunday 09:30 EST
    });
    expect(r.statuses).toEqual(['sent', 'sent', 'sent']);
  });

  it('EU spring forward: Monday 2027-03-29 09:30 in Berlin', async () => {
    const r = await planAndSend('Europe/Berlin', '2027-03-29T09:30:00');
    expect(r.due).toMatchObject({
      P2D: '2027-03-27T08:30:00.000Z', // Saturday 09:30 CET
      P1D: '2027-03-28T07:30:00.000Z', // Sunday 09:30 CEST
      PT2H: '2027-03-29T05:30:00.000Z',
    });
    expect(r.statuses).toEqual(['sent', 'sent', 'sent']);
  });

  it('EU fall back: Monday 2027-11-01 09:30 in Berlin', async () => {
    const r = await planAndSend('Europe/Berlin', '2027-11-01T09:30:00');
    expect(r.due).toMatchObject({
      P2D: '2027-10-30T07:30:00.000Z', // Saturday 09:30 CEST
      P1D: '2027-10-31T08:30:00.000Z', // Sunday 09:30 CET
    });
    expect(new Set(r.bodies)).toEqual(new Set(['Mon Nov 1 at 9:30 AM']));
  });
});
