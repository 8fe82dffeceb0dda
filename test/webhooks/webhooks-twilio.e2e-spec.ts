import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  createAppointment,
  inboundRows,
  inboxRows,
  messageRows,
  patientConsent,
  processInbox,
  reminderStatus,
  sentReminder,
  signedTwilio,
  twilioSid,
} from '../support/webhooks';

const AUTH_TOKEN = 'twilio-auth-token-for-tests-0001';
const INBOUND = '/webhooks/twilio/inbound';
const STATUS = '/webhooks/twilio/status';

describe('Twilio webhooks', () => {
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
      provider: { type: 'twilio', accountSid: `AC${'ab'.repeat(16)}`, authToken: AUTH_TOKEN },
    });
  });
  afterAll(() => t.close());

  function inboundParams(from: string, body: string, sid = twilioSid()): Record<string, string> {
    return {
      MessageSid: sid,
      SmsSid: sid,
      AccountSid: `AC${'ab'.repeat(16)}`,
      From: from,
      To: sender,
      Body: body,
      NumMedia: '0',
      FromCity: 'CHICAGO',
    };
  }

  function post(path: string, body: string, signature?: string) {
    const req = t.http.post(path).type('form');
    if (signature !== undefined) req.set('X-Twilio-Signature', signature);
    return req.send(body);
  }

  function postInbound(from: string, text: string, sid = twilioSid()) {
    const { body, signature } = signedTwilio(AUTH_TOKEN, INBOUND, inboundParams(from, text, sid));
    return post(INBOUND, body, signature);
  }

  function postStatus(sid: string, status: string, extra: Record<string, string> = {}) {
    const params = {
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      AccountSid: `AC${'ab'.repeat(16)}`,
      From: sender,
      To: '+13125550123',
      ...extra,
    };
    const { body, signature } = signedTwilio(AUTH_TOKEN, STATUS, params);
    return post(STATUS, body, signature);
  }

  describe('inbound', () => {
    it('acknowledges with empty TwiML, stores once, and processes asynchronously', async () => {
      const appt = await createAppointment(t, c);
      const sid = twilioSid();
      const res = await postInbound(appt.phone, 'C', sid).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toBe('<Response/>');

      // Acknowledged means stored, not yet processed.
      let inbox = await inboxRows(t, c.id);
      expect(inbox).toHaveLength(1);
      expect(inbox[0]).toMatchObject({ kind: 'inbound', event_key: sid, processed_at: null });
      expect(inbox[0].payload).toEqual({
        kind: 'inbound',
        message: { providerMessageId: sid, from: appt.phone, to: sender, body: 'C' },
      });
      expect(JSON.stringify(inbox[0].payload)).not.toContain(AUTH_TOKEN);
      expect(await inboundRows(t, c.id)).toEqual([]);

      await processInbox(t);
      inbox = await inboxRows(t, c.id);
      expect(inbox[0].processed_at).toEqual(t.clock.now());
      const messages = await inboundRows(t, c.id);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({
        direction: 'inbound',
        body: 'C',
        status: 'received',
        from_number: appt.phone,
        to_number: sender,
        provider_message_id: sid,
        patient_id: appt.patientId,
        appointment_id: appt.id,
        segments: 1,
      });
      const view = await t.http.get(`/v1/appointments/${appt.id}`).set(c.auth).expect(200);
      expect(view.body.messages).toEqual([
        expect.objectContaining({
          direction: 'inbound',
          kind: 'inbound',
          body: 'C',
          status: 'received',
        }),
        expect.objectContaining({ direction: 'outbound', kind: 'workflow_reply' }),
      ]);
    });

    it('treats a replayed MessageSid as a 200 no-op, before and after processing', async () => {
      const from = uniquePhone();
      const sid = twilioSid();
      await postInbound(from, 'hello', sid).expect(200);
      await postInbound(from, 'hello', sid).expect(200);
      expect(await inboxRows(t, c.id)).toHaveLength(1);
      await processInbox(t);
      await postInbound(from, 'hello', sid).expect(200);
      await processInbox(t);
      expect(await inboxRows(t, c.id)).toHaveLength(1);
      expect(await inboundRows(t, c.id)).toHaveLength(1);
    });

    it('answers 401 to a missing signature and stores nothing', async () => {
      const { body } = signedTwilio(AUTH_TOKEN, INBOUND, inboundParams(uniquePhone(), 'C'));
      const res = await post(INBOUND, body).expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      await post(INBOUND, body, '').expect(401);
      expect(await inboxRows(t, c.id)).toEqual([]);
    });

    it('answers 403 to a wrong signature: another token, an altered body, another URL', async () => {
      const params = inboundParams(uniquePhone(), 'C');
      const other = signedTwilio('some-other-auth-token', INBOUND, params);
      const res = await post(INBOUND, other.body, other.signature).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });

      const good = signedTwilio(AUTH_TOKEN, INBOUND, params);
      const altered = new URLSearchParams({ ...params, Body: 'X' }).toString();
      await post(INBOUND, altered, good.signature).expect(403);

      // Signed for the status URL, replayed at the inbound one.
      const elsewhere = signedTwilio(AUTH_TOKEN, STATUS, params);
      await post(INBOUND, elsewhere.body, elsewhere.signature).expect(403);
      await post(INBOUND, good.body, 'not-base64-at-all').expect(403);
      expect(await inboxRows(t, c.id)).toEqual([]);
    });

    it('checks the signature over PUBLIC_BASE_URL + path including the query string', async () => {
      const params = inboundParams(uniquePhone(), 'C');
      const path = `${INBOUND}?clinic=lakeside`;
      const { body, signature } = signedTwilio(AUTH_TOKEN, path, params);
      await post(path, body, signature).expect(200);
      await post(INBOUND, body, signature).expect(403);
      expect(await inboxRows(t, c.id)).toHaveLength(1);
    });

    it('answers 400 to a malformed body, even validly signed, and stores nothing', async () => {
      const params = inboundParams(uniquePhone(), 'C');
      delete params.MessageSid;
      const { body, signature } = signedTwilio(AUTH_TOKEN, INBOUND, params);
      const res = await post(INBOUND, body, signature).expect(400);
      expect(res.body.message).toEqual([expect.stringMatching(/MessageSid/)]);

      const json = await t.http
        .post(INBOUND)
        .set('X-Twilio-Signature', signature)
        .send({ MessageSid: twilioSid(), From: uniquePhone(), To: sender })
        .expect(400);
      expect(json.body.statusCode).toBe(400);
      await t.http.post(INBOUND).set('X-Twilio-Signature', signature).expect(400);
      expect(await inboxRows(t, c.id)).toEqual([]);
    });

    it('answers a number no Twilio clinic uses like a bad signature (403), and stores nothing', async () => {
      const params = { ...inboundParams(uniquePhone(), 'C'), To: uniquePhone() };
      const { body, signature } = signedTwilio(AUTH_TOKEN, INBOUND, params);
      await post(INBOUND, body, signature).expect(403);
      // A fake clinic's number is not a Twilio number either.
      const fake = await createClinic(t);
      const toFake = signedTwilio(AUTH_TOKEN, INBOUND, {
        ...params,
        To: fake.body.senderNumber as string,
      });
      await post(INBOUND, toFake.body, toFake.signature).expect(403);
      const stored: unknown[] = await t.ds.query(
        'SELECT 1 FROM webhook_inbox WHERE clinic_id = ANY($1::uuid[])',
        [[c.id, fake.id]],
      );
      expect(stored).toEqual([]);
    });

    it('signs with the auth token of the clinic that owns the To number', async () => {
      const otherSender = uniquePhone();
      const other = await createClinic(t, {
        senderNumber: otherSender,
        provider: { type: 'twilio', accountSid: 'AC-other', authToken: 'other-clinic-token' },
      });
      const params = { ...inboundParams(uniquePhone(), 'C'), To: otherSender };
      const mine = signedTwilio(AUTH_TOKEN, INBOUND, params);
      await post(INBOUND, mine.body, mine.signature).expect(403);
      const theirs = signedTwilio('other-clinic-token', INBOUND, params);
      await post(INBOUND, theirs.body, theirs.signature).expect(200);
      expect(await inboxRows(t, other.id)).toHaveLength(1);
      expect(await inboxRows(t, c.id)).toEqual([]);
    });

    it('follows a rotated auth token at once: the new one is accepted, the old one refused', async () => {
      await postInbound(uniquePhone(), 'before').expect(200);
      await t.http
        .patch('/v1/clinic')
        .set(c.auth)
        .send({
          provider: { type: 'twilio', accountSid: 'AC-rotated', authToken: 'rotated-token' },
        })
        .expect(200);
      const params = inboundParams(uniquePhone(), 'after');
      const old = signedTwilio(AUTH_TOKEN, INBOUND, params);
      await post(INBOUND, old.body, old.signature).expect(403);
      const fresh = signedTwilio('rotated-token', INBOUND, params);
      await post(INBOUND, fresh.body, fresh.signature).expect(200);
      await post(INBOUND, old.body, old.signature).expect(403);
      expect((await inboxRows(t, c.id)).map((r) => r.payload.message)).toEqual([
        expect.objectContaining({ body: 'before' }),
        expect.objectContaining({ body: 'after' }),
      ]);
    });

    it('follows a sender number moved to another clinic', async () => {
      await postInbound(uniquePhone(), 'to the first clinic').expect(200);
      await t.http
        .patch('/v1/clinic')
        .set(c.auth)
        .send({ senderNumber: uniquePhone() })
        .expect(200);
      const next = await createClinic(t, {
        senderNumber: sender,
        provider: { type: 'twilio', accountSid: 'AC-next', authToken: 'next-clinic-token' },
      });
      const params = inboundParams(uniquePhone(), 'to the next clinic');
      const mine = signedTwilio(AUTH_TOKEN, INBOUND, params);
      await post(INBOUND, mine.body, mine.signature).expect(403);
      const theirs = signedTwilio('next-clinic-token', INBOUND, params);
      await post(INBOUND, theirs.body, theirs.signature).expect(200);
      expect(await inboxRows(t, c.id)).toHaveLength(1);
      expect(await inboxRows(t, next.id)).toHaveLength(1);
    });

    it('links a reply to the upcoming appointment whose reminder was sent last', async () => {
      const phone = uniquePhone();
      const patient = { name: 'Ana Diaz', phone, language: 'en' };
      const soon = await createAppointment(t, c, {
        patient,
        startsAt: '2026-11-30T09:00:00-06:00',
      });
      const later = await createAppointment(t, c, {
        patient,
        startsAt: '2026-12-04T09:00:00-06:00',
      });
      const clinic = { id: c.id, senderNumber: sender, providerType: 'twilio' };
      await sentReminder(t, clinic, soon, twilioSid(), '2026-11-26T10:00:00Z');
      await sentReminder(t, clinic, later, twilioSid(), '2026-11-26T12:00:00Z');
      await postInbound(phone, 'C').expect(200);
      await processInbox(t);
      const inbound = (await messageRows(t, c.id)).filter((m) => m.direction === 'inbound');
      expect(inbound).toEqual([
        expect.objectContaining({ patient_id: soon.patientId, appointment_id: later.id }),
      ]);
    });

    it('stores a text from an unknown sender, with a new patient record and no appointment', async () => {
      const from = uniquePhone();
      await postInbound(from, 'who is this?').expect(200);
      await processInbox(t);
      const [patient] = await t.ds.query(
        'SELECT id, name FROM patients WHERE clinic_id = $1 AND phone = $2',
        [c.id, from],
      );
      expect(await inboundRows(t, c.id)).toEqual([
        expect.objectContaining({
          patient_id: patient.id,
          appointment_id: null,
          body: 'who is this?',
        }),
      ]);
    });
  });

  describe('consent keywords', () => {
    it('records STOP (any case, trimmed) as an opt-out and START as the opt-in', async () => {
      const appt = await createAppointment(t, c);
      await postInbound(appt.phone, '  stop ').expect(200);
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({
        opted_out_at: t.clock.now(),
        opt_out_source: 'keyword',
        opt_out_detail: 'STOP',
      });
      const view = await t.http.get(`/v1/appointments/${appt.id}`).set(c.auth).expect(200);
      expect(view.body.patient.optedOut).toBe(true);
      // The appointment itself is untouched.
      expect(view.body.status).toBe('scheduled');

      await postInbound(appt.phone, 'Start').expect(200);
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({ opted_out_at: null });
    });

    it.each(['STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])(
      'records %s as an opt-out',
      async (word) => {
        const appt = await createAppointment(t, c);
        await postInbound(appt.phone, word.toLowerCase()).expect(200);
        await processInbox(t);
        expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({
          opt_out_source: 'keyword',
          opt_out_detail: word,
        });
      },
    );

    it('takes YES as an opt-in only from an opted-out patient; UNSTOP always', async () => {
      const appt = await createAppointment(t, c);
      await postInbound(appt.phone, 'YES').expect(200);
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({ opted_out_at: null });

      await postInbound(appt.phone, 'QUIT').expect(200);
      await processInbox(t);
      expect((await patientConsent(t, c.id, appt.phone))?.opted_out_at).not.toBeNull();
      await postInbound(appt.phone, 'yes').expect(200);
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({ opted_out_at: null });

      await postInbound(appt.phone, 'END').expect(200);
      await postInbound(appt.phone, 'unstop').expect(200);
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({ opted_out_at: null });
    });

    it('matches keywords on the whole message only, as carriers do; the rest by phrase', async () => {
      const appt = await createAppointment(t, c);
      await postInbound(appt.phone, 'stopping by at 5').expect(200);
      await postInbound(appt.phone, 'STOP STOP').expect(200);
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({ opted_out_at: null });
      // Not a carrier keyword, but a revocation in plain words: an opt-out by phrase.
      await postInbound(appt.phone, 'STOP!!').expect(200);
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({
        opt_out_source: 'phrase',
        opt_out_detail: 'STOP',
      });
    });

    it('keeps a patient’s texts in order: STOP then START ends opted in', async () => {
      const appt = await createAppointment(t, c);
      for (const word of ['STOP', 'START', 'STOP', 'START']) {
        await postInbound(appt.phone, word).expect(200);
      }
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({ opted_out_at: null });
      const rows = await inboxRows(t, c.id);
      expect(rows.every((r) => r.processed_at !== null)).toBe(true);
    });

    it('remembers a STOP from a number that is not a patient yet', async () => {
      const phone = uniquePhone();
      await postInbound(phone, 'STOP').expect(200);
      await processInbox(t);
      expect(await patientConsent(t, c.id, phone)).toMatchObject({ opt_out_source: 'keyword' });
      const appt = await createAppointment(t, c, {
        patient: { name: 'Later Patient', phone, language: 'en' },
      });
      const view = await t.http.get(`/v1/appointments/${appt.id}`).set(c.auth).expect(200);
      expect(view.body.patient).toMatchObject({ name: 'Later Patient', optedOut: true });
    });
  });

  describe('status callbacks', () => {
    const clinic = () => ({ id: c.id, senderNumber: sender, providerType: 'twilio' });

    it('moves the message and its reminder forward: sent, then delivered', async () => {
      const appt = await createAppointment(t, c);
      const sid = twilioSid();
      const { reminderId } = await sentReminder(t, clinic(), appt, sid);
      const res = await postStatus(sid, 'sent').expect(200);
      expect(res.text).toBe('');
      await processInbox(t);
      expect((await messageRows(t, c.id))[0].status).toBe('sent');
      expect((await reminderStatus(t, reminderId)).status).toBe('sent');

      await postStatus(sid, 'delivered', { RawDlrDoneDate: '2611261501' }).expect(200);
      await processInbox(t);
      const [message] = await messageRows(t, c.id);
      expect(message).toMatchObject({ status: 'delivered', delivered_at: t.clock.now() });
      expect((await reminderStatus(t, reminderId)).status).toBe('delivered');
      const view = await t.http.get(`/v1/appointments/${appt.id}`).set(c.auth).expect(200);
      expect(view.body.reminders[0].status).toBe('delivered');
    });

    it('stores each distinct status once per message; a retried callback is a no-op', async () => {
      const appt = await createAppointment(t, c);
      const sid = twilioSid();
      await sentReminder(t, clinic(), appt, sid);
      for (const status of ['queued', 'sent', 'sent', 'delivered', 'delivered']) {
        await postStatus(sid, status).expect(200);
      }
      const keys = (await inboxRows(t, c.id)).map((r) => r.event_key);
      expect(keys).toEqual([`${sid}:queued`, `${sid}:sent`, `${sid}:delivered`]);
    });

    it('never moves a message back out of a final state, whatever the arrival order', async () => {
      const appt = await createAppointment(t, c);
      const sid = twilioSid();
      const { reminderId } = await sentReminder(t, clinic(), appt, sid);
      await postStatus(sid, 'delivered').expect(200);
      await processInbox(t);
      await postStatus(sid, 'sent').expect(200);
      await postStatus(sid, 'queued').expect(200);
      await postStatus(sid, 'undelivered', { ErrorCode: '30003' }).expect(200);
      await processInbox(t);
      expect((await messageRows(t, c.id))[0]).toMatchObject({
        status: 'delivered',
        error_code: null,
      });
      expect((await reminderStatus(t, reminderId)).status).toBe('delivered');
    });

    it('fails the reminder when the message is undelivered, keeping the error code', async () => {
      const appt = await createAppointment(t, c);
      const sid = twilioSid();
      const { reminderId } = await sentReminder(t, clinic(), appt, sid);
      await postStatus(sid, 'undelivered', { ErrorCode: '30003' }).expect(200);
      await postStatus(sid, 'sent').expect(200);
      await processInbox(t);
      expect((await messageRows(t, c.id))[0]).toMatchObject({
        status: 'undelivered',
        error_code: '30003',
      });
      expect(await reminderStatus(t, reminderId)).toEqual({
        status: 'failed',
        reason: 'message undelivered (30003)',
      });
    });

    it('records the patient’s opt-out when the provider reports 21610', async () => {
      const appt = await createAppointment(t, c);
      const sid = twilioSid();
      await sentReminder(t, clinic(), appt, sid);
      await postStatus(sid, 'failed', { ErrorCode: '21610' }).expect(200);
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({
        opt_out_source: 'provider',
        opt_out_detail: 'twilio error 21610',
      });
    });

    it('retries a callback that overtook its message, and applies it once the message exists', async () => {
      const appt = await createAppointment(t, c);
      const sid = twilioSid();
      await postStatus(sid, 'delivered').expect(200);
      await processInbox(t);
      let [row] = await inboxRows(t, c.id);
      expect(row).toMatchObject({ processed_at: null, attempts: 1 });
      expect(row.last_error).toMatch(/no outbound message/);
      expect(row.run_at.getTime()).toBeGreaterThan(t.clock.now().getTime());

      const { reminderId } = await sentReminder(t, clinic(), appt, sid);
      await processInbox(t);
      expect((await inboxRows(t, c.id))[0].processed_at).toBeNull();
      t.clock.advance(1_000);
      await processInbox(t);
      [row] = await inboxRows(t, c.id);
      expect(row.processed_at).not.toBeNull();
      expect((await reminderStatus(t, reminderId)).status).toBe('delivered');
    });

    it('gives up on a callback for a message that never appears, without blocking others', async () => {
      const sid = twilioSid();
      await postStatus(sid, 'delivered').expect(200);
      for (let i = 0; i < 10; i += 1) {
        await processInbox(t);
        t.clock.advance(300_000);
      }
      const [row] = await inboxRows(t, c.id);
      expect(row).toMatchObject({ processed_at: null, attempts: 8 });
      expect(row.failed_at).not.toBeNull();
    });

    it('never applies a callback to another clinic’s message', async () => {
      const otherSender = uniquePhone();
      const other = await createClinic(t, {
        senderNumber: otherSender,
        provider: { type: 'twilio', accountSid: 'AC-other', authToken: 'other-token-123' },
      });
      const appt = await createAppointment(t, other);
      const sid = twilioSid();
      await sentReminder(
        t,
        { id: other.id, senderNumber: otherSender, providerType: 'twilio' },
        appt,
        sid,
      );
      // Clinic c signs a callback naming the other clinic's message id.
      await postStatus(sid, 'failed', { ErrorCode: '21610' }).expect(200);
      await processInbox(t);
      expect((await messageRows(t, other.id))[0].status).toBe('queued');
      expect(await patientConsent(t, other.id, appt.phone)).toMatchObject({ opted_out_at: null });
    });

    it('answers 401/403/400 like the inbound webhook and stores nothing', async () => {
      const params = {
        MessageSid: twilioSid(),
        MessageStatus: 'sent',
        From: sender,
        To: uniquePhone(),
      };
      const { body, signature } = signedTwilio(AUTH_TOKEN, STATUS, params);
      await post(STATUS, body).expect(401);
      await post(STATUS, body, signedTwilio('wrong', STATUS, params).signature).expect(403);
      const noStatus = signedTwilio(AUTH_TOKEN, STATUS, { ...params, MessageStatus: '' });
      await post(STATUS, noStatus.body, noStatus.signature).expect(400);
      const unknown = signedTwilio(AUTH_TOKEN, STATUS, { ...params, From: uniquePhone() });
      await post(STATUS, unknown.body, unknown.signature).expect(403);
      expect(await inboxRows(t, c.id)).toEqual([]);
      await post(STATUS, body, signature).expect(200);
      expect(await inboxRows(t, c.id)).toHaveLength(1);
    });
  });
});
