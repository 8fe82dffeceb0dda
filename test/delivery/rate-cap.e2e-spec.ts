import { setTimeout as sleep } from 'node:timers/promises';
import { SenderBudgetRepository } from '../../src/outbound/send/sender-budget.repository';
import { dispatcherOf } from '../support/dispatch-helpers';
import { appointmentInput, createClinic, uniquePhone } from '../support/factories';
import { maxPerSecond, RecordingTwilioServer } from '../support/recording-twilio.server';
import { startTestApp, TestApp } from '../support/test-app';

const CREDENTIALS = { accountSid: `AC${'7a7e0ca9'.repeat(4)}`, authToken: 'rate-cap-token' };

/**
 * The cap is about real seconds at the provider, so this file runs on real time: each app's
 * manual clock is set to the wall clock before every pass, and the appointments are real ones,
 * a few hours from now.
 */
describe('per-sender rate cap across instances', () => {
  let recorder: RecordingTwilioServer;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    recorder = await RecordingTwilioServer.start();
    // Two instances on one database, each claiming two reminders at a time so both get work.
    const env = { TWILIO_API_BASE_URL: recorder.baseUrl, DISPATCH_BATCH_SIZE: '2' };
    a = await startTestApp({ env, now: new Date().toISOString() });
    b = await startTestApp({ env, now: new Date().toISOString() });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await recorder.stop();
  });

  /**
   * `count` reminders of a new clinic capped at `rate`, all due now, dispatched by both
   * instances until the provider has them all (or `withinMs`): the clinic and its texts.
   */
  async function sendThroughBoth(
    rate: number,
    count: number,
    withinMs: number,
    pauseMs: number,
    settings: Record<string, unknown> = {},
  ) {
    const clinic = await createClinic(a, {
      provider: { type: 'twilio', ...CREDENTIALS },
      sendRatePerSecond: rate,
      quietHours: null,
      reminderOffsets: ['P1D'],
      ...settings,
    });
    const sender = clinic.body.senderNumber as string;
    // Booked three hours ahead: too late for P1D, so each gets one catch-up, due now.
    const startsAt = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const appointments = Array.from({ length: count }, () =>
      appointmentInput({ startsAt, patient: { name: 'Ana', phone: uniquePhone() } }),
    );
    a.clock.set(new Date());
    await a.http.post('/v1/appointments/batch').set(clinic.auth).send({ appointments }).expect(200);

    const deadline = Date.now() + withinMs;
    const drive = async (t: TestApp) => {
      while (recorder.from(sender).length < count && Date.now() < deadline) {
        t.clock.set(new Date());
        await dispatcherOf(t).tick();
        await sleep(pauseMs);
      }
    };
    await Promise.all([drive(a), drive(b)]);
    return { clinic, texts: recorder.from(sender) };
  }

  it('never puts more than sendRatePerSecond texts of one sender in any one-second window', async () => {
    const { clinic, texts } = await sendThroughBoth(2, 8, 20_000, 20);

    const times = texts.map((sms) => sms.at);
    expect(times).toHaveLength(8);
    expect(new Set(texts.map((sms) => sms.to)).size).toBe(8);
    expect(maxPerSecond(times)).toBeLessThanOrEqual(2);
    // Paced, not merely lucky: eight texts at two a second take at least three seconds.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(3_000);

    const rows: { status: string; leased_by: string }[] = await a.ds.query(
      `SELECT r.status, r.leased_by FROM reminders r
       WHERE r.clinic_id = $1 AND r."offset" = 'catch_up'`,
      [clinic.id],
    );
    expect(rows.map((r) => r.status)).toEqual(Array(8).fill('sent'));
  });

  it('counts a reminder the cap held back once under the patient’s daily cap, however often it is claimed again', async () => {
    // One text a second, ten patients: most reminders are claimed, held back by the rate cap and
    // sent back unsent several times. Each patient's one reminder is still their first text of
    // the day, whatever the number of claims: with a daily cap of 1, every one goes today.
    const { clinic, texts } = await sendThroughBoth(1, 10, 30_000, 20, {
      maxRoutineTextsPerPatientPerDay: 1,
    });
    expect(texts).toHaveLength(10);
    const rows: { status: string; reason: string | null }[] = await a.ds.query(
      `SELECT status, reason FROM reminders WHERE clinic_id = $1 AND "offset" = 'catch_up'`,
      [clinic.id],
    );
    expect(rows).toEqual(Array(10).fill({ status: 'sent', reason: null }));
  });

  it('serialises reservations of one sender made by two instances at the same moment', async () => {
    const request = {
      providerType: 'twilio' as const,
      senderNumber: uniquePhone(),
      wanted: 5,
      intervalMs: 100,
    };
    const [first, second] = (
      await Promise.all([
        a.app.get(SenderBudgetRepository).reserve([request], 1_000),
        b.app.get(SenderBudgetRepository).reserve([request], 1_000),
      ])
    )
      .map(([grant]) => grant)
      .sort((x, y) => x.firstInMs - y.firstInMs);
    expect([first.granted, second.granted]).toEqual([5, 5]);
    // The later reservation starts where the earlier one's five slots end: no slot is shared.
    expect(first.firstInMs).toBeLessThanOrEqual(1);
    expect(second.firstInMs).toBeGreaterThan(400);
    expect(second.firstInMs).toBeLessThanOrEqual(500);
    const [{ next_free_in_ms }] = await a.ds.query(
      `SELECT extract(epoch FROM next_free_at - clock_timestamp()) * 1000 AS next_free_in_ms
       FROM sender_budgets WHERE provider_type = 'twilio' AND sender_number = $1`,
      [request.senderNumber],
    );
    expect(Number(next_free_in_ms)).toBeGreaterThan(900);
    expect(Number(next_free_in_ms)).toBeLessThanOrEqual(1_000);
  });

  it('grants no slot beyond the horizon and says when the sender is free', async () => {
    const request = {
      providerType: 'twilio' as const,
      senderNumber: uniquePhone(),
      wanted: 3,
      intervalMs: 1_050,
    };
    const [grant] = await a.app.get(SenderBudgetRepository).reserve([request], 500);
    expect(grant.granted).toBe(1);
    expect(grant.freeInMs).toBeGreaterThan(1_000);
    const [busy] = await b.app.get(SenderBudgetRepository).reserve([request], 500);
    expect(busy.granted).toBe(0);
    expect(busy.freeInMs).toBeGreaterThan(900);
  });

  it('keeps a fast sender under its cap across instances with spare slots', async () => {
    // 20/s: 55 ms apart, so each grant carries spare slots that instance keeps for later waves
    const { texts } = await sendThroughBoth(20, 60, 30_000, 5);
    expect(texts).toHaveLength(60);
    expect(new Set(texts.map((sms) => sms.to)).size).toBe(60);
    const times = texts.map((sms) => sms.at);
    expect(maxPerSecond(times)).toBeLessThanOrEqual(20);
    // Paced, not merely lucky: sixty texts at twenty a second take about three seconds.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2_500);
  });

  it('grants spare slots after the wanted ones, within their own horizon, only when all wanted are', async () => {
    const budgets = a.app.get(SenderBudgetRepository);
    const request = spareRequest(2, 10, 50);
    // wanted within 20 ms, spare ones within 100 ms: 2 + 9 at most (slots 0..100 ms)
    const [grant] = await budgets.reserve([request], 20, 20, 100);
    expect(grant.granted).toBeGreaterThanOrEqual(10);
    expect(grant.granted).toBeLessThanOrEqual(11);
    // busy now for about 100 ms: a wave asking 20 ms ahead gets nothing, spare included
    const [busy] = await budgets.reserve([request], 20, 20, 1_000);
    expect(busy.granted).toBe(0);
  });

  it('hands unused spare slots back only while no one has reserved after them', async () => {
    const budgets = a.app.get(SenderBudgetRepository);
    const request = spareRequest(1, 100, 9);
    const [grant] = await budgets.reserve([request], 1_000, 1_000, 1_000);
    expect(grant.granted).toBe(10);
    // nine unused, handed back: the budget is free again one interval after the used slot
    expect(await budgets.giveBack([{ ...grant, unused: 9 }])).toBe(1);
    const [next] = await b.app
      .get(SenderBudgetRepository)
      .reserve([{ ...request, spare: 0 }], 1_000);
    expect(next.granted).toBe(1);
    expect(next.firstInMs).toBeGreaterThan(grant.firstInMs + 50);
    expect(next.firstInMs).toBeLessThanOrEqual(grant.firstInMs + 100);
    // a grant someone reserved after is not handed back: the later slots stay theirs
    const [first] = await budgets.reserve([request], 2_000, 2_000, 2_000);
    const [after] = await b.app.get(SenderBudgetRepository).reserve([request], 2_000, 2_000, 2_000);
    expect(after.granted).toBeGreaterThan(0);
    expect(await budgets.giveBack([{ ...first, unused: 9 }])).toBe(0);
    const [last] = await budgets.reserve([{ ...request, spare: 0 }], 5_000);
    expect(last.firstInMs).toBeGreaterThan(after.freeInMs - 100);
  });
});

/** A new sender's request of `wanted` slots `intervalMs` apart, with `spare` more. */
function spareRequest(wanted: number, intervalMs: number, spare: number) {
  return {
    providerType: 'twilio' as const,
    senderNumber: uniquePhone(),
    wanted,
    intervalMs,
    spare,
  };
}
