import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  createAppointment,
  inboundRows,
  inboxRows,
  messageRows,
  patientConsent,
  processInbox,
  sentReminder,
} from '../support/webhooks';

describe('simulator (the fake provider)', () => {
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

  describe('POST /v1/simulator/inbound', () => {
    it('injects a reply through the webhook inbox, processed like a provider’s', async () => {
      const appt = await createAppointment(t, c, {
        patient: { name: 'Ana Diaz', phone: '(312) 555-0123', language: 'en' },
      });
      const res = await t.http
        .post('/v1/simulator/inbound')
        .set(c.auth)
        .send({ from: '312-555-0123', body: 'C' })
        .expect(202);
      expect(res.body).toEqual({
        providerMessageId: expect.stringMatching(/^sim_/),
        from: '+13125550123',
        to: sender,
        receivedAt: '2026-11-26T15:00:00.000Z',
        status: 'accepted',
      });
      expect(await inboxRows(t, c.id)).toEqual([
        expect.objectContaining({ kind: 'inbound', event_key: res.body.providerMessageId }),
      ]);
      expect(await messageRows(t, c.id)).toEqual([]);

      await processInbox(t);
      expect(await inboundRows(t, c.id)).toEqual([
        expect.objectContaining({
          direction: 'inbound',
          body: 'C',
          from_number: '+13125550123',
          to_number: sender,
          provider_message_id: res.body.providerMessageId,
          patient_id: appt.patientId,
          appointment_id: appt.id,
        }),
      ]);
    });

    it('records consent keywords like any provider’s inbound message', async () => {
      const appt = await createAppointment(t, c);
      await t.http
        .post('/v1/simulator/inbound')
        .set(c.auth)
        .send({ from: appt.phone, body: 'stop' })
        .expect(202);
      await processInbox(t);
      expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({
        opt_out_source: 'keyword',
      });
    });

    it('gives every injected reply its own id: the same text twice is two messages', async () => {
      const from = uniquePhone();
      for (let i = 0; i < 2; i += 1) {
        await t.http
          .post('/v1/simulator/inbound')
          .set(c.auth)
          .send({ from, body: 'R' })
          .expect(202);
      }
      await processInbox(t);
      expect(await inboundRows(t, c.id)).toHaveLength(2);
    });

    it('needs the clinic’s API key', async () => {
      await t.http
        .post('/v1/simulator/inbound')
        .send({ from: uniquePhone(), body: 'C' })
        .expect(401);
      await t.http
        .post('/v1/simulator/inbound')
        .set('Authorization', 'Bearer tk_not-a-real-key')
        .send({ from: uniquePhone(), body: 'C' })
        .expect(401);
    });

    it('validates the body: a phone number, text, and no unknown fields', async () => {
      const bad = async (body: object, field: RegExp) => {
        const res = await t.http.post('/v1/simulator/inbound').set(c.auth).send(body).expect(400);
        expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(field)]));
      };
      await bad({ from: 'not a phone', body: 'C' }, /^from must be a valid phone number/);
      await bad({ from: '+1 555 555 0100', body: 'C' }, /^from/);
      await bad({ body: 'C' }, /^from/);
      await bad({ from: uniquePhone() }, /^body/);
      await bad({ from: uniquePhone(), body: 'x'.repeat(1601) }, /^body/);
      await bad({ from: uniquePhone(), body: 'C', to: sender }, /to should not exist/);
      expect(await inboxRows(t, c.id)).toEqual([]);
    });

    it('reads national numbers with the clinic’s defaultCountry', async () => {
      const uk = await createClinic(t, {
        defaultCountry: 'GB',
        senderNumber: `+4479111${String(Math.floor(Math.random() * 90000) + 10000)}`,
        timezone: 'Europe/London',
      });
      const res = await t.http
        .post('/v1/simulator/inbound')
        .set(uk.auth)
        .send({ from: '07400 123456', body: 'C' })
        .expect(202);
      expect(res.body.from).toBe('+447400123456');
    });

    it('is only for clinics whose provider is fake (409)', async () => {
      const twilio = await createClinic(t, {
        provider: { type: 'twilio', accountSid: 'AC1', authToken: 'token-1' },
      });
      const res = await t.http
        .post('/v1/simulator/inbound')
        .set(twilio.auth)
        .send({ from: uniquePhone(), body: 'C' })
        .expect(409);
      expect(res.body.message).toEqual([
        'the simulator serves clinics whose provider is fake; this clinic uses twilio',
      ]);
      await t.http.get('/v1/simulator/outbox').set(twilio.auth).expect(409);
      expect(await inboxRows(t, twilio.id)).toEqual([]);
    });
  });

  describe('GET /v1/simulator/outbox', () => {
    it('lists the clinic’s outbound messages, newest first, and only its own', async () => {
      const appt = await createAppointment(t, c);
      const clinic = { id: c.id, senderNumber: sender, providerType: 'fake' };
      await sentReminder(t, clinic, appt, 'fake-first', '2026-11-26T13:00:00Z');
      const other = await createAppointment(t, c);
      await sentReminder(t, clinic, other, 'fake-second', '2026-11-26T14:00:00Z');
      await t.http
        .post('/v1/simulator/inbound')
        .set(c.auth)
        .send({ from: appt.phone, body: 'C' })
        .expect(202);
      await processInbox(t);
      const stranger = await createClinic(t);

      const res = await t.http.get('/v1/simulator/outbox').set(c.auth).expect(200);
      expect(res.body.items).toEqual([
        // the answer to the patient's C, newest
        expect.objectContaining({
          to: appt.phone,
          kind: 'workflow_reply',
          at: '2026-11-26T15:00:00.000Z',
          appointmentId: appt.id,
        }),
        expect.objectContaining({
          to: other.phone,
          from: sender,
          status: 'queued',
          segments: 1,
          at: '2026-11-26T14:00:00.000Z',
          appointmentId: other.id,
          providerMessageId: 'fake-second',
          kind: 'reminder',
        }),
        expect.objectContaining({ to: appt.phone, at: '2026-11-26T13:00:00.000Z' }),
      ]);
      expect(res.body.items[0].body).toEqual(expect.any(String));
      const limited = await t.http.get('/v1/simulator/outbox?limit=1').set(c.auth).expect(200);
      expect(limited.body.items).toHaveLength(1);
      await t.http.get('/v1/simulator/outbox?limit=0').set(c.auth).expect(400);
      const theirs = await t.http.get('/v1/simulator/outbox').set(stranger.auth).expect(200);
      expect(theirs.body.items).toEqual([]);
      await t.http.get('/v1/simulator/outbox').expect(401);
    });
  });

  it('is described, with the provider webhooks, in the OpenAPI document', async () => {
    const res = await t.http.get('/docs-json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/simulator/inbound',
        '/v1/simulator/outbox',
        '/webhooks/twilio/inbound',
        '/webhooks/twilio/status',
        '/webhooks/flowroute/{secret}/inbound',
        '/webhooks/flowroute/{secret}/dlr',
        '/webhooks/telnyx',
      ]),
    );
    expect(res.body.components.schemas.SimulateInboundDto.properties.from).toBeDefined();
  });
});
