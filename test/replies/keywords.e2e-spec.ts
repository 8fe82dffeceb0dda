import { ProviderRegistry } from '../../src/messaging/provider-registry';
import { FakeProvider } from '../../src/messaging/providers/fake.provider';
import type {
  OutboundSms,
  ProviderCredentials,
  SendResult,
} from '../../src/messaging/providers/sms-provider.port';
import { dispatcherOf } from '../support/dispatch-helpers';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { createAppointment, postSignedTwilio, processInbox, twilioSid } from '../support/webhooks';

/** The fake provider, remembering every text it is handed. */
class RecordingProvider extends FakeProvider {
  sent: OutboundSms[] = [];

  override send(credentials: ProviderCredentials, message: OutboundSms): Promise<SendResult> {
    this.sent.push(message);
    return super.send(credentials, message);
  }
}

const CONTACT = '+13125550199';

describe('carrier keywords and consent', () => {
  let t: TestApp;
  let provider: RecordingProvider;
  let c: TestClinic;
  let sender: string;

  beforeAll(async () => {
    t = await startTestApp();
    provider = new RecordingProvider();
    t.app.get(ProviderRegistry).replace('fake', provider);
  });
  beforeEach(async () => {
    // Wednesday 2026-11-25 15:00 in Chicago: outside quiet hours.
    t.clock.set('2026-11-25T21:00:00Z');
    sender = uniquePhone();
    // The fake provider answers nothing itself: keywordReplies defaults to turnout.
    c = await createClinic(t, { senderNumber: sender, contactPhone: CONTACT });
  });
  afterAll(() => t.close());

  async function text(from: string, body: string): Promise<void> {
    await t.http.post('/v1/simulator/inbound').set(c.auth).send({ from, body }).expect(202);
    await processInbox(t);
  }

  /** Runs the pipeline and returns what reached the provider for `to`. */
  async function sentTo(to: string): Promise<string[]> {
    await dispatcherOf(t).tick();
    return provider.sent.filter((m) => m.to === to).map((m) => m.body);
  }

  async function outbound(to: string): Promise<{ kind: string; status: string; body: string }[]> {
    return t.ds.query(
      `SELECT kind, status, body FROM messages
       WHERE clinic_id = $1 AND to_number = $2 AND direction = 'outbound' ORDER BY created_at, id`,
      [c.id, to],
    );
  }

  it('confirms STOP once, then sends nothing more, not even HELP, until START', async () => {
    const a = await createAppointment(t, c);
    await text(a.phone, 'STOP');
    expect(await sentTo(a.phone)).toEqual([
      'Lakeside Dental: you will get no more texts from us. Reply START to get them again.',
    ]);

    await text(a.phone, 'HELP');
    await text(a.phone, 'STOP');
    expect(await sentTo(a.phone)).toHaveLength(1);
    // The STOP confirmation went; HELP's answer was stopped by the opt-out; the second STOP
    // changed nothing, so it has no answer. (Sorted: texts written in the same millisecond
    // have ids in no particular order.)
    const rows = await outbound(a.phone);
    expect(rows.map((m) => [m.status, m.body]).sort()).toEqual([
      [
        'failed',
        `Lakeside Dental appointment reminders. Questions? Call ${CONTACT}. ` +
          'Reply STOP to opt out. Msg&data rates may apply.',
      ],
      [
        'queued',
        'Lakeside Dental: you will get no more texts from us. Reply START to get them again.',
      ],
    ]);
    expect(rows.map((m) => m.kind)).toEqual(['keyword_reply', 'keyword_reply']);

    await text(a.phone, 'start');
    expect((await sentTo(a.phone)).at(-1)).toBe(
      'Lakeside Dental: you will get appointment texts from us again. Reply STOP to opt out.',
    );
  });

  it.each(['CANCEL', 'unsubscribe', ' Quit '])('answers %j as an opt-out', async (word) => {
    const a = await createAppointment(t, c);
    await text(a.phone, word);
    expect(await sentTo(a.phone)).toEqual([expect.stringContaining('no more texts')]);
    const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
    expect(view.body.patient.consent).toEqual({
      optedOut: true,
      since: '2026-11-25T21:00:00.000Z',
      source: 'keyword',
      word: word.trim().toUpperCase(),
    });
  });

  it('answers CANCEL, which staff follow up, with when they will reply (office hours)', async () => {
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ officeHours: { wed: ['08:00', '14:00'], thu: ['09:00', '17:00'] } })
      .expect(200);
    // Wednesday 15:00 in Chicago, after closing: Thursday is tomorrow.
    const a = await createAppointment(t, c);
    await text(a.phone, 'Cancel');
    expect(await sentTo(a.phone)).toEqual([
      'Lakeside Dental: you will get no more texts from us. Reply START to get them again. ' +
        'Staff will reply tomorrow from 9:00 AM.',
    ]);
    // STOP needs no person: its answer makes no promise.
    const b = await createAppointment(t, c);
    await text(b.phone, 'STOP');
    expect(await sentTo(b.phone)).toEqual([
      'Lakeside Dental: you will get no more texts from us. Reply START to get them again.',
    ]);
  });

  it('answers HELP with the clinic, its contact phone and how to opt out, in Spanish too', async () => {
    const en = await createAppointment(t, c);
    await text(en.phone, 'help');
    expect(await sentTo(en.phone)).toEqual([
      `Lakeside Dental appointment reminders. Questions? Call ${CONTACT}. ` +
        'Reply STOP to opt out. Msg&data rates may apply.',
    ]);
    const es = await createAppointment(t, c, {
      patient: { name: 'Ana Diaz', phone: uniquePhone(), language: 'es' },
    });
    await text(es.phone, 'INFO');
    expect(await sentTo(es.phone)).toEqual([
      `Lakeside Dental, recordatorios de citas. Dudas: llame al ${CONTACT}. ` +
        'Responda STOP para no recibir mas mensajes.',
    ]);
  });

  it('takes YES as an opt-in (with its answer) only from an opted-out patient', async () => {
    const a = await createAppointment(t, c);
    await text(a.phone, 'YES');
    // From everyone else YES confirms the appointment: the workflow's answer, no consent change.
    expect(await sentTo(a.phone)).toEqual([expect.stringContaining('is confirmed')]);
    await text(a.phone, 'STOP');
    expect(await sentTo(a.phone)).toEqual([
      expect.stringContaining('is confirmed'),
      expect.stringContaining('no more texts'),
    ]);
    await text(a.phone, 'yes');
    const sent = await sentTo(a.phone);
    expect(sent).toHaveLength(3);
    expect(sent[2]).toContain('you will get appointment texts from us again');
  });

  it('does not send the confirmation of an opt-out the patient reversed before it went', async () => {
    const a = await createAppointment(t, c);
    await text(a.phone, 'STOP');
    await text(a.phone, 'START');
    expect(await sentTo(a.phone)).toEqual([
      expect.stringContaining('you will get appointment texts from us again'),
    ]);
    expect((await outbound(a.phone)).map((m) => m.status).sort()).toEqual(['failed', 'queued']);
  });

  it('treats a plain-language revocation as an opt-out, always confirmed by Turnout', async () => {
    const { phone: es } = await createAppointment(t, c, {
      patient: { name: 'Ana Diaz', phone: uniquePhone(), language: 'es' },
    });
    await text(es, 'Por favor no me manden mensajes');
    expect(await sentTo(es)).toEqual([expect.stringContaining('no le enviaremos mas mensajes')]);
    const consent = await t.http
      .get(`/v1/patients/${encodeURIComponent(es)}/consent`)
      .set(c.auth)
      .expect(200);
    expect(consent.body.events).toEqual([
      expect.objectContaining({
        action: 'opt_out',
        source: 'phrase',
        word: 'NO ME MANDEN MENSAJES',
        senderNumber: sender,
        inboundMessageId: expect.any(String),
      }),
    ]);
  });

  it('answers no keyword when the message is neither a keyword nor a revocation', async () => {
    const a = await createAppointment(t, c);
    await text(a.phone, 'stopping by at 5, is that ok?');
    // Only the workflow's "did not understand", no consent answer.
    expect((await outbound(a.phone)).map((m) => m.kind)).toEqual(['workflow_reply']);
    expect((await t.http.get(`/v1/appointments/${a.id}`).set(c.auth)).body.patient.consent).toBe(
      null,
    );
  });

  describe('answers to a patient (policy)', () => {
    it('are not held for quiet hours: HELP at 23:00 is answered at once', async () => {
      t.clock.set('2026-11-26T05:00:00Z'); // 23:00 in Chicago
      const a = await createAppointment(t, c);
      await text(a.phone, 'HELP');
      expect(await sentTo(a.phone)).toHaveLength(1);
    });

    it('expire when they could not be sent within 10 minutes', async () => {
      const a = await createAppointment(t, c);
      await text(a.phone, 'HELP');
      t.clock.advance(10 * 60_000);
      expect(await sentTo(a.phone)).toEqual([]);
      expect(await outbound(a.phone)).toEqual([
        expect.objectContaining({ kind: 'keyword_reply', status: 'expired' }),
      ]);
      const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
      expect(view.body.messages).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'keyword_reply', status: 'expired' }),
        ]),
      );
    });
  });
});

describe('keywords when the provider answers them (keywordReplies: provider)', () => {
  const AUTH_TOKEN = 'twilio-auth-token-keywords';
  const INBOUND = '/webhooks/twilio/inbound';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('records STOP, START and HELP without answering; a revocation is still confirmed', async () => {
    const sender = uniquePhone();
    const c = await createClinic(t, {
      senderNumber: sender,
      provider: { type: 'twilio', accountSid: 'AC-keywords', authToken: AUTH_TOKEN },
    });
    expect(c.body.keywordReplies).toBe('provider');
    const patient = uniquePhone();
    const post = async (body: string, sid = twilioSid()) => {
      const params = { MessageSid: sid, From: patient, To: sender, Body: body };
      await postSignedTwilio(t, AUTH_TOKEN, INBOUND, params);
      await processInbox(t);
    };
    const answers = () =>
      t.ds.query<{ body: string }[]>(
        `SELECT body FROM messages WHERE clinic_id = $1 AND direction = 'outbound'`,
        [c.id],
      );

    await post('HELP');
    await post('STOP');
    await post('START');
    expect(await answers()).toEqual([]);
    const consent = await t.http
      .get(`/v1/patients/${encodeURIComponent(patient)}/consent`)
      .set(c.auth)
      .expect(200);
    expect(consent.body.events.map((e: { action: string }) => e.action)).toEqual([
      'opt_in',
      'opt_out',
    ]);

    // A replayed webhook (same MessageSid) never produces a second answer.
    const sid = twilioSid();
    await post('stop texting me', sid);
    await post('stop texting me', sid);
    expect(await answers()).toEqual([{ body: expect.stringContaining('no more texts') }]);
  });
});

describe('staff opt-out and the consent ledger', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('records an opt-out said to staff, sends no text, and lists events newest first', async () => {
    const c = await createClinic(t);
    const a = await createAppointment(t, c);
    const res = await t.http
      .post(`/v1/patients/${encodeURIComponent(a.phone)}/opt-out`)
      .set(c.auth)
      .send({ note: 'asked by phone' })
      .expect(200);
    expect(res.body.consent).toEqual({
      optedOut: true,
      since: t.clock.now().toISOString(),
      source: 'staff',
      word: null,
    });
    expect(res.body.events).toEqual([
      expect.objectContaining({ action: 'opt_out', source: 'staff', note: 'asked by phone' }),
    ]);
    const texts = await t.ds.query(
      `SELECT 1 FROM messages WHERE clinic_id = $1 AND direction = 'outbound'`,
      [c.id],
    );
    expect(texts).toEqual([]);

    // The patient opts back in by text; the ledger keeps both, newest first.
    t.clock.advance(60_000);
    await t.http.post('/v1/simulator/inbound').set(c.auth).send({ from: a.phone, body: 'START' });
    await processInbox(t);
    const ledger = await t.http
      .get(`/v1/patients/${encodeURIComponent(a.phone)}/consent`)
      .set(c.auth)
      .expect(200);
    expect(ledger.body.events.map((e: { source: string }) => e.source)).toEqual([
      'keyword',
      'staff',
    ]);
    expect(ledger.body.consent).toMatchObject({
      optedOut: false,
      source: 'keyword',
      word: 'START',
    });
  });

  it('has no staff opt-in route', async () => {
    const c = await createClinic(t);
    const a = await createAppointment(t, c);
    await t.http
      .post(`/v1/patients/${encodeURIComponent(a.phone)}/opt-in`)
      .set(c.auth)
      .send({})
      .expect(404);
  });

  it('refuses a number that is not one (400) and hides other clinics’ patients (404)', async () => {
    const c = await createClinic(t);
    const other = await createClinic(t);
    const a = await createAppointment(t, other);
    const bad = await t.http
      .post('/v1/patients/not-a-phone/opt-out')
      .set(c.auth)
      .send({})
      .expect(400);
    expect(JSON.stringify(bad.body.message)).toMatch(/phone/);
    await t.http
      .get(`/v1/patients/${encodeURIComponent(a.phone)}/consent`)
      .set(c.auth)
      .expect(404);
    await t.http
      .post(`/v1/patients/${encodeURIComponent(a.phone)}/opt-out`)
      .set(c.auth)
      .send({ note: 'x'.repeat(501) })
      .expect(400);
    await t.http
      .post(`/v1/patients/${encodeURIComponent(a.phone)}/opt-out`)
      .send({})
      .expect(401);
  });
});
