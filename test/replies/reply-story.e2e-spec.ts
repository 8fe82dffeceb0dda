import { NoShowSweep } from '../../src/appointments/no-show-sweep.service';
import { CalendarWriteBack } from '../../src/calendar/calendar-write-back.service';
import { CalendarReceiver } from '../support/calendar-receiver';
import { dispatcherOf, remindersOf } from '../support/dispatch-helpers';
import { createClinic, TestClinic, uniqueId, uniquePhone } from '../support/factories';
import { FakeTwilioServer } from '../support/fake-twilio.server';
import { answersTo, reply, statusOf, uploadSlots } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { patientConsent, signedTwilio, twilioSid, processInbox } from '../support/webhooks';

const CREDENTIALS = { accountSid: 'AC-story', authToken: 'story-auth-token' };
const BOOKED_AT = '2026-11-26T15:00:00Z';
// Tuesday 2026-12-01 09:30 Chicago: the P2D reminder is due Sunday 09:30 (15:30Z).
const STARTS = '2026-12-01T09:30:00-06:00';
const P2D_DUE = '2026-11-29T15:30:00Z';

interface Words {
  language: 'en' | 'es';
  confirm: string;
  reschedule: string;
  cancel: string;
  /** fragments of the answers, in the patient's language */
  confirmed: string;
  offered: string;
  moved: string;
  cancelled: string;
  puzzled: string;
}

const ENGLISH: Words = {
  language: 'en',
  confirm: 'C',
  reschedule: 'R',
  cancel: 'X',
  confirmed: 'your appointment Tue Dec 1 at 9:30 AM is confirmed',
  offered: 'Reply 1) Wed Dec 2 9:00 AM, 2) Thu Dec 3 2:15 PM',
  moved: 'moved to Thu Dec 3 at 2:15 PM',
  cancelled: 'your appointment Thu Dec 3 at 2:15 PM is cancelled',
  puzzled: 'sorry, we did not understand',
};

const SPANISH: Words = {
  language: 'es',
  confirm: 'Sí',
  reschedule: 'cambiar',
  cancel: 'Cancelar',
  confirmed: 'su cita el mar 1 dic a las 9:30 queda confirmada',
  offered: 'Responda 1) mié 2 dic 9:00, 2) jue 3 dic 14:15',
  moved: 'cambiada al jue 3 dic a las 14:15',
  cancelled: 'su cita el jue 3 dic a las 14:15 queda cancelada',
  puzzled: 'no entendimos su mensaje',
};

/**
 * The whole story through HTTP and the fake provider: upload, reminder sent, C confirmed and
 * written back, R offer, 2 moved, X cancelled, STOP then no reminder, START, CANCEL flagged,
 * HELP, an unrecognised reply answered once then in the inbox, a staff reply, a system no-show.
 */
describe.each([ENGLISH, SPANISH])('the reply story ($language)', (words) => {
  let t: TestApp;
  let c: TestClinic;
  let receiver: CalendarReceiver;

  beforeAll(async () => {
    t = await startTestApp({ now: BOOKED_AT });
    receiver = new CalendarReceiver();
    const url = await receiver.start();
    c = await createClinic(t, {
      senderNumber: uniquePhone(),
      contactPhone: '+13125550199',
      calendarWebhookUrl: url,
      sendRatePerSecond: 50,
    });
    receiver.secret = c.webhookSecret;
  });
  afterAll(async () => {
    await receiver.stop();
    await t.close();
  });

  /** Everything due now, other specs' events included (they share the database). */
  async function deliver(): Promise<void> {
    const service = t.app.get(CalendarWriteBack);
    while ((await service.runOnce()) > 0);
  }
  const practitioner = `Dr. ${uniqueId('K')}`;
  const phone = uniquePhone();
  const patient = { name: 'Ana Diaz', phone, language: words.language };

  async function upload(externalId: string, startsAt = STARTS) {
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({ externalId, patient, startsAt, durationMinutes: 30, practitioner })
      .expect(201);
    return res.body.id as string;
  }

  async function outbox(): Promise<{ to: string; kind: string; body: string; status: string }[]> {
    return (await t.http.get('/v1/simulator/outbox').set(c.auth).expect(200)).body.items;
  }

  /** The patient's text, then the pipeline run, as the app does at once (answers go first). */
  async function text(body: string) {
    t.clock.advance(1_000);
    await reply(t, c, phone, body);
    await dispatcherOf(t).tick();
  }

  const lastAnswer = async () => (await answersTo(t, c.id, phone)).slice(-1)[0]?.body;

  it('confirms, reschedules, cancels, and writes every change back', async () => {
    await uploadSlots(t, c, practitioner, [
      '2026-12-02T09:00:00-06:00',
      '2026-12-03T14:15:00-06:00',
    ]);
    const id = await upload('STORY-1');

    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    expect((await outbox()).filter((m) => m.to === phone && m.kind === 'reminder')).toHaveLength(1);

    await text(words.confirm);
    expect(await statusOf(t, id)).toBe('confirmed');
    expect(await lastAnswer()).toContain(words.confirmed);

    await text(words.reschedule);
    expect(await statusOf(t, id)).toBe('reschedule_requested');
    expect(await lastAnswer()).toContain(words.offered);

    await text('2');
    const moved = await t.http.get(`/v1/appointments/${id}`).set(c.auth).expect(200);
    expect(moved.body).toMatchObject({ status: 'confirmed', startsAt: '2026-12-03T20:15:00.000Z' });
    expect(await lastAnswer()).toContain(words.moved);

    await text(words.cancel);
    expect(await statusOf(t, id)).toBe('cancelled');
    expect(await lastAnswer()).toContain(words.cancelled);

    await deliver();
    expect(receiver.events.map((e) => [e.type, e.signatureValid])).toEqual([
      ['appointment.confirmed', true],
      ['appointment.reschedule_requested', true],
      ['appointment.rescheduled', true],
      ['appointment.cancelled', true],
    ]);
  });

  it('STOP means no further reminder until START; CANCEL is flagged; HELP changes nothing', async () => {
    const id = await upload('STORY-2', '2026-12-08T09:30:00-06:00');
    await text('STOP');
    expect((await patientConsent(t, c.id, phone))?.opted_out_at).not.toBeNull();
    t.clock.set('2026-12-06T15:30:00Z');
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, id))[0]).toMatchObject({ status: 'skipped', reason: 'opted_out' });

    await text('START');
    expect((await patientConsent(t, c.id, phone))?.opted_out_at).toBeNull();

    await text('CANCEL');
    expect(await statusOf(t, id)).toBe('scheduled');
    const flagged = await t.http.get('/v1/conversations?needsAttention=true').set(c.auth);
    expect(flagged.body.items).toEqual([
      expect.objectContaining({ patientPhone: phone, reason: 'cancel_keyword' }),
    ]);
    await text('UNSTOP');
    await t.http
      .post(`/v1/conversations/${encodeURIComponent(phone)}/resolve`)
      .set(c.auth)
      .expect(200);

    const before = (await answersTo(t, c.id, phone)).length;
    await text('HELP');
    expect(await statusOf(t, id)).toBe('scheduled');
    expect((await patientConsent(t, c.id, phone))?.opted_out_at).toBeNull();
    // HELP is answered by the consent handler (this clinic answers keywords itself), not by
    // the workflow.
    expect(await answersTo(t, c.id, phone)).toHaveLength(before);
    const keywordAnswers = (await outbox()).filter(
      (m) => m.to === phone && m.kind === 'keyword_reply',
    );
    // the newest: HELP's answer, with the clinic's contact phone, handed to the provider
    expect(keywordAnswers[0].body).toContain('+13125550199');
    expect(keywordAnswers[0].status).toMatch(/^(queued|sent|delivered)$/);
    // STOP, START, CANCEL (an opt-out again), UNSTOP and HELP: each answered once, and all sent
    // (the opt-out confirmations are the texts that still go to a patient who opted out).
    expect(keywordAnswers.map((m) => m.status)).toEqual(Array(5).fill('queued'));
  });

  it('an unrecognised reply is answered once, then waits for staff, who answer', async () => {
    const before = (await answersTo(t, c.id, phone)).length;
    await text('Is there parking?');
    await text('Hello??');
    const answers = await answersTo(t, c.id, phone);
    expect(answers).toHaveLength(before + 1);
    expect(answers[before].body).toContain(words.puzzled);
    const inbox = await t.http.get('/v1/conversations?needsAttention=true').set(c.auth);
    expect(inbox.body.items).toEqual([
      expect.objectContaining({ patientPhone: phone, reason: 'unrecognized_reply' }),
    ]);
    await t.http
      .post(`/v1/conversations/${encodeURIComponent(phone)}/messages`)
      .set(c.auth)
      .send({ body: 'Yes, behind the building.' })
      .expect(201);
    // Handed to the provider by the outbound pipeline, like every text (the sender's rate cap
    // runs on the database's clock: a few real moments).
    for (let i = 0; i < 50; i += 1) {
      await dispatcherOf(t).tick();
      if ((await outbox()).find((m) => m.kind === 'staff')?.status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await outbox()).find((m) => m.kind === 'staff')).toMatchObject({
      to: phone,
      body: 'Yes, behind the building.',
      status: expect.stringMatching(/^(queued|sent|delivered)$/),
    });
  });

  it('a visit nobody came to becomes a no-show, by the system, and is written back', async () => {
    const id = await upload('STORY-3', '2026-12-10T09:30:00-06:00');
    t.clock.set('2026-12-10T16:30:01Z');
    // Everything due, other specs' appointments included (they share the database).
    while ((await t.app.get(NoShowSweep).runOnce()) > 0);
    const view = await t.http.get(`/v1/appointments/${id}`).set(c.auth).expect(200);
    expect(view.body.status).toBe('no_show');
    expect(view.body.history.slice(-1)[0]).toMatchObject({ source: 'system' });
    await deliver();
    // The sweep also marked this clinic's earlier visits, whose events may be delivered after it.
    const noShows = receiver.events.filter(
      (e) => e.type === 'appointment.no_show' && e.appointmentId === id,
    );
    expect(noShows).toEqual([expect.objectContaining({ signatureValid: true })]);
  });
});

describe('the reply story through the Twilio wire format', () => {
  let t: TestApp;
  let twilio: FakeTwilioServer;

  beforeAll(async () => {
    twilio = await FakeTwilioServer.start(CREDENTIALS);
    t = await startTestApp({
      now: BOOKED_AT,
      env: { TWILIO_API_BASE_URL: twilio.baseUrl, PROVIDER_TIMEOUT_MS: '300' },
    });
  });
  afterAll(async () => {
    await t.close();
    await twilio.stop();
  });

  it('a reminder goes out through Twilio; the signed C confirms and is answered', async () => {
    const sender = uniquePhone();
    const c = await createClinic(t, {
      senderNumber: sender,
      provider: { type: 'twilio', ...CREDENTIALS },
      sendRatePerSecond: 100,
    });
    const phone = uniquePhone();
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({ externalId: 'TW-1', patient: { name: 'Ana', phone }, startsAt: STARTS })
      .expect(201);
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    expect(twilio.requests.map((r) => new URLSearchParams(r.body).get('To'))).toContain(phone);

    const params = { MessageSid: twilioSid(), From: phone, To: sender, Body: 'c.' };
    const signed = signedTwilio(CREDENTIALS.authToken, '/webhooks/twilio/inbound', params);
    await t.http
      .post('/webhooks/twilio/inbound')
      .type('form')
      .set('X-Twilio-Signature', signed.signature)
      .send(signed.body)
      .expect(200);
    await processInbox(t);
    expect(await statusOf(t, res.body.id)).toBe('confirmed');
    expect((await answersTo(t, c.id, phone)).map((a) => a.body)).toEqual([
      'Lakeside Dental: your appointment Tue Dec 1 at 9:30 AM is confirmed. See you then.',
    ]);
  });
});
