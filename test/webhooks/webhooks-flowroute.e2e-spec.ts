import { randomBytes } from 'node:crypto';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  createAppointment,
  inboxRows,
  inboundRows,
  messageRows,
  processInbox,
  reminderStatus,
  sentReminder,
} from '../support/webhooks';

const JSON_API = 'application/vnd.api+json';

describe('Flowroute webhooks', () => {
  let t: TestApp;
  let c: TestClinic;
  let sender: string;
  let inboundPath: string;
  let dlrPath: string;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(async () => {
    sender = uniquePhone();
    c = await createClinic(t, {
      senderNumber: sender,
      provider: { type: 'flowroute', accessKey: 'fr-access', secretKey: 'fr-secret' },
    });
    const webhooks = c.body.webhooks as { inbound: string; dlr: string };
    inboundPath = new URL(webhooks.inbound).pathname;
    dlrPath = new URL(webhooks.dlr).pathname;
  });
  afterAll(() => t.close());

  /** +E.164 to Flowroute v2.1's 11 digits without "+". */
  const v21 = (e164: string) => e164.slice(1);
  const mdr = () => `mdr2-${randomBytes(16).toString('hex')}`;

  function inbound(from: string, body: string, id = mdr()): string {
    return JSON.stringify({
      data: {
        type: 'message',
        id,
        attributes: {
          body,
          direction: 'inbound',
          from: v21(from),
          to: v21(sender),
          is_mms: false,
          message_encoding: 0,
          message_type: 'longcode',
          status: 'delivered',
          timestamp: '2026-11-26T15:04:05.00Z',
          amount_nanodollars: 4000,
          amount_display: '$0.0040',
        },
      },
    });
  }

  function receipt(id: string, status: string, level: number, code = 1000): string {
    return JSON.stringify({
      data: {
        type: 'delivery_receipt',
        id,
        attributes: {
          status,
          status_code: code,
          status_code_description: status,
          level,
          timestamp: '2026-11-26T15:04:06.00Z',
        },
      },
    });
  }

  function post(path: string, body: string, type = JSON_API) {
    return t.http.post(path).set('Content-Type', type).send(body);
  }

  it('stores an inbound message (application/vnd.api+json) once and processes it', async () => {
    const appt = await createAppointment(t, c);
    const id = mdr();
    await post(inboundPath, inbound(appt.phone, 'C', id)).expect(200);
    expect(await inboxRows(t, c.id)).toEqual([
      expect.objectContaining({ kind: 'inbound', event_key: id }),
    ]);
    await processInbox(t);
    expect(await inboundRows(t, c.id)).toEqual([
      expect.objectContaining({
        direction: 'inbound',
        body: 'C',
        from_number: appt.phone,
        to_number: sender,
        patient_id: appt.patientId,
        appointment_id: appt.id,
      }),
    ]);
  });

  it('also takes plain application/json', async () => {
    await post(inboundPath, inbound(uniquePhone(), 'C'), 'application/json').expect(200);
    expect(await inboxRows(t, c.id)).toHaveLength(1);
  });

  it('treats Flowroute’s retries of the same message id as 200 no-ops', async () => {
    const id = mdr();
    const from = uniquePhone();
    for (let i = 0; i < 5; i += 1) await post(inboundPath, inbound(from, 'C', id)).expect(200);
    await processInbox(t);
    await post(inboundPath, inbound(from, 'C', id)).expect(200);
    await processInbox(t);
    expect(await inboxRows(t, c.id)).toHaveLength(1);
    expect(await inboundRows(t, c.id)).toHaveLength(1);
  });

  it('answers 404 to a wrong or unknown path secret, revealing nothing, and stores nothing', async () => {
    const body = inbound(uniquePhone(), 'C');
    const secret = inboundPath.split('/')[3];
    const wrong = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const res = await post(`/webhooks/flowroute/${wrong}/inbound`, body).expect(404);
    expect(JSON.stringify(res.body)).not.toContain(secret.slice(4, 12));
    await post('/webhooks/flowroute/frs_guess/inbound', body).expect(404);
    await post(`/webhooks/flowroute/${'x'.repeat(5000)}/dlr`, body).expect(404);
    expect(await inboxRows(t, c.id)).toEqual([]);
  });

  it('stops taking the secret once the clinic leaves Flowroute', async () => {
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ provider: { type: 'fake' } })
      .expect(200);
    await post(inboundPath, inbound(uniquePhone(), 'C')).expect(404);
    expect(await inboxRows(t, c.id)).toEqual([]);
  });

  it('answers 400 to a malformed body and stores nothing', async () => {
    const invalid = await post(inboundPath, '{"data": ').expect(400);
    expect(invalid.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    await post(inboundPath, JSON.stringify({ data: { type: 'message' } })).expect(400);
    const noFrom = JSON.parse(inbound(uniquePhone(), 'C'));
    delete noFrom.data.attributes.from;
    await post(inboundPath, JSON.stringify(noFrom)).expect(400);
    await post(dlrPath, receipt(mdr(), '', 2)).expect(400);
    await t.http.post(inboundPath).set('Content-Type', 'text/plain').send('C').expect(400);
    expect(await inboxRows(t, c.id)).toEqual([]);
  });

  it('answers 404 for an inbound message to a number that is not the clinic’s', async () => {
    const body = inbound(uniquePhone(), 'C').replace(v21(sender), v21(uniquePhone()));
    await post(inboundPath, body).expect(404);
    expect(await inboxRows(t, c.id)).toEqual([]);
  });

  it('applies both delivery receipts (level 1 submit, level 2 delivered) once each', async () => {
    const appt = await createAppointment(t, c);
    const id = mdr();
    const { reminderId } = await sentReminder(
      t,
      { id: c.id, senderNumber: sender, providerType: 'flowroute' },
      appt,
      id,
    );
    await post(dlrPath, receipt(id, 'smsc submit', 1)).expect(200);
    await post(dlrPath, receipt(id, 'delivered', 2)).expect(200);
    await post(dlrPath, receipt(id, 'delivered', 2)).expect(200);
    expect((await inboxRows(t, c.id)).map((r) => r.event_key)).toEqual([
      `${id}:smsc submit`,
      `${id}:delivered`,
    ]);
    await processInbox(t);
    expect((await messageRows(t, c.id))[0].status).toBe('delivered');
    expect((await reminderStatus(t, reminderId)).status).toBe('delivered');
  });

  it('fails the reminder on an undeliverable receipt, even if the submit receipt comes last', async () => {
    const appt = await createAppointment(t, c);
    const id = mdr();
    const { reminderId } = await sentReminder(
      t,
      { id: c.id, senderNumber: sender, providerType: 'flowroute' },
      appt,
      id,
    );
    await post(dlrPath, receipt(id, 'undeliverable', 2, 4001)).expect(200);
    await processInbox(t);
    await post(dlrPath, receipt(id, 'smsc submit', 1)).expect(200);
    await processInbox(t);
    expect((await messageRows(t, c.id))[0]).toMatchObject({
      status: 'undelivered',
      error_code: '4001',
    });
    expect((await reminderStatus(t, reminderId)).status).toBe('failed');
  });
});
