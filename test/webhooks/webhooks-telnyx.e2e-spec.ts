import { randomUUID } from 'node:crypto';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  createAppointment,
  inboxRows,
  inboundRows,
  messageRows,
  patientConsent,
  processInbox,
  reminderStatus,
  sentReminder,
  telnyxKeys,
} from '../support/webhooks';

const PATH = '/webhooks/telnyx';

describe('Telnyx webhooks', () => {
  let t: TestApp;
  let c: TestClinic;
  let sender: string;
  let keys: ReturnType<typeof telnyxKeys>;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(async () => {
    sender = uniquePhone();
    keys = telnyxKeys();
    c = await createClinic(t, {
      senderNumber: sender,
      provider: { type: 'telnyx', apiKey: 'KEY0123456789', publicKey: keys.publicKey },
    });
  });
  afterAll(() => t.close());

  function event(eventType: string, payload: Record<string, unknown>): string {
    return JSON.stringify({
      data: {
        event_type: eventType,
        id: randomUUID(),
        occurred_at: '2026-11-26T14:59:59.000+00:00',
        payload,
        record_type: 'event',
      },
      meta: { attempt: 1, delivered_to: `https://turnout.test${PATH}` },
    });
  }

  function inbound(from: string, text: string, id = randomUUID()): string {
    return event('message.received', {
      id,
      record_type: 'message',
      direction: 'inbound',
      type: 'SMS',
      from: { phone_number: from, carrier: 'T-Mobile USA', line_type: 'Wireless' },
      to: [{ phone_number: sender, status: 'webhook_delivered' }],
      text,
      parts: 1,
    });
  }

  function finalized(id: string, status: string, errors: unknown[] = []): string {
    return event('message.finalized', {
      id,
      record_type: 'message',
      direction: 'outbound',
      from: { phone_number: sender },
      to: [{ phone_number: '+13125550123', status }],
      text: 'Reminder',
      errors,
    });
  }

  function nowSeconds(offset = 0): string {
    return String(Math.floor(t.clock.now().getTime() / 1000) + offset);
  }

  function post(body: string, headers: Record<string, string> = signed(body)) {
    return t.http.post(PATH).set('Content-Type', 'application/json').set(headers).send(body);
  }

  function signed(
    body: string,
    timestamp = nowSeconds(),
    sign = keys.sign,
  ): Record<string, string> {
    return {
      'telnyx-signature-ed25519': sign(timestamp, body),
      'telnyx-timestamp': timestamp,
    };
  }

  it('stores a message.received once, keyed by the message id, and processes it', async () => {
    const appt = await createAppointment(t, c);
    const id = randomUUID();
    const body = inbound(appt.phone, 'Sí', id);
    await post(body).expect(200);
    const rows = await inboxRows(t, c.id);
    expect(rows).toEqual([expect.objectContaining({ kind: 'inbound', event_key: id })]);
    await processInbox(t);
    expect(await inboundRows(t, c.id)).toEqual([
      expect.objectContaining({
        direction: 'inbound',
        body: 'Sí',
        provider_message_id: id,
        patient_id: appt.patientId,
        appointment_id: appt.id,
      }),
    ]);
  });

  it('treats a redelivery (new event id, same message id) as a 200 no-op', async () => {
    const id = randomUUID();
    const from = uniquePhone();
    await post(inbound(from, 'C', id)).expect(200);
    await post(inbound(from, 'C', id)).expect(200);
    await processInbox(t);
    await post(inbound(from, 'C', id)).expect(200);
    await processInbox(t);
    expect(await inboxRows(t, c.id)).toHaveLength(1);
    expect(await inboundRows(t, c.id)).toHaveLength(1);
  });

  it('answers 401 when the signature or timestamp header is missing', async () => {
    const body = inbound(uniquePhone(), 'C');
    const headers = signed(body);
    await post(body, {}).expect(401);
    await post(body, { 'telnyx-timestamp': headers['telnyx-timestamp'] }).expect(401);
    await post(body, { 'telnyx-signature-ed25519': headers['telnyx-signature-ed25519'] }).expect(
      401,
    );
    expect(await inboxRows(t, c.id)).toEqual([]);
  });

  it('answers 403 to a signature by another key, over another body or another timestamp', async () => {
    const body = inbound(uniquePhone(), 'C');
    const res = await post(body, signed(body, nowSeconds(), telnyxKeys().sign)).expect(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    const headers = signed(body);
    await post(inbound(uniquePhone(), 'X'), headers).expect(403);
    await post(body, { ...headers, 'telnyx-timestamp': nowSeconds(1) }).expect(403);
    await post(body, { ...headers, 'telnyx-signature-ed25519': 'bm90IGEgc2lnbmF0dXJl' }).expect(
      403,
    );
    expect(await inboxRows(t, c.id)).toEqual([]);
  });

  it('refuses a timestamp more than 300 s from the clock, either way (replay window)', async () => {
    const from = uniquePhone();
    const stale = inbound(from, 'C');
    await post(stale, signed(stale, nowSeconds(-301))).expect(403);
    const future = inbound(from, 'C');
    await post(future, signed(future, nowSeconds(301))).expect(403);
    expect(await inboxRows(t, c.id)).toEqual([]);
    const edge = inbound(from, 'C');
    await post(edge, signed(edge, nowSeconds(-299))).expect(200);
    expect(await inboxRows(t, c.id)).toHaveLength(1);
  });

  it('answers 400 to a malformed body and stores nothing', async () => {
    const notJson = '{"data": {';
    const res = await post(notJson).expect(400);
    expect(res.body.statusCode).toBe(400);
    const noPayload = JSON.stringify({ data: { event_type: 'message.received' } });
    await post(noPayload).expect(400);
    const noFrom = event('message.received', {
      id: randomUUID(),
      direction: 'inbound',
      to: [{ phone_number: sender }],
      text: 'C',
    });
    await post(noFrom).expect(400);
    expect(await inboxRows(t, c.id)).toEqual([]);
  });

  it('answers a number no Telnyx clinic uses like a bad signature (403)', async () => {
    const body = inbound(uniquePhone(), 'C').replace(sender, uniquePhone());
    await post(body).expect(403);
    expect(await inboxRows(t, c.id)).toEqual([]);
  });

  it('acknowledges event types it does not act on without storing them', async () => {
    const body = event('number_order.complete', { id: randomUUID() });
    await post(body).expect(200);
    expect(await inboxRows(t, c.id)).toEqual([]);
  });

  it('applies message.finalized to the message and its reminder, found by the from number', async () => {
    const appt = await createAppointment(t, c);
    const id = randomUUID();
    const { reminderId } = await sentReminder(
      t,
      { id: c.id, senderNumber: sender, providerType: 'telnyx' },
      appt,
      id,
    );
    await post(event('message.sent', JSON.parse(finalized(id, 'sent')).data.payload)).expect(200);
    await post(finalized(id, 'delivered')).expect(200);
    await post(finalized(id, 'delivered')).expect(200);
    expect((await inboxRows(t, c.id)).map((r) => r.event_key)).toEqual([
      `${id}:sent`,
      `${id}:delivered`,
    ]);
    await processInbox(t);
    expect((await messageRows(t, c.id))[0].status).toBe('delivered');
    expect((await reminderStatus(t, reminderId)).status).toBe('delivered');
  });

  it('records the opt-out when Telnyx reports 40300 (blocked due to STOP)', async () => {
    const appt = await createAppointment(t, c);
    const id = randomUUID();
    const { reminderId } = await sentReminder(
      t,
      { id: c.id, senderNumber: sender, providerType: 'telnyx' },
      appt,
      id,
    );
    const errors = [{ code: '40300', title: 'Blocked due to STOP message' }];
    await post(finalized(id, 'sending_failed', errors)).expect(200);
    await processInbox(t);
    expect((await messageRows(t, c.id))[0]).toMatchObject({
      status: 'failed',
      error_code: '40300',
    });
    expect((await reminderStatus(t, reminderId)).status).toBe('failed');
    expect(await patientConsent(t, c.id, appt.phone)).toMatchObject({
      opt_out_source: 'provider',
      opt_out_detail: 'telnyx error 40300',
    });
  });
});
