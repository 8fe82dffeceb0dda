import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { answersTo, reply } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { remindedAppointment } from '../support/webhooks';

describe('staff inbox', () => {
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

  const path = (phone: string, rest = '') =>
    `/v1/conversations/${encodeURIComponent(phone)}${rest}`;

  const reminded = () => remindedAppointment(t, c, sender);

  it('lists what needs attention with its reason and last message; resolve clears it', async () => {
    const puzzled = await reminded();
    const canceller = await reminded();
    const fine = await reminded();
    await reply(t, c, puzzled.phone, 'Can I come at 3?');
    t.clock.advance(1_000);
    await reply(t, c, canceller.phone, 'CANCEL');
    await reply(t, c, fine.phone, 'C');

    const res = await t.http.get('/v1/conversations?needsAttention=true').set(c.auth).expect(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        patientPhone: puzzled.phone,
        appointmentId: puzzled.id,
        reason: 'unrecognized_reply',
        needsAttention: true,
        lastMessage: expect.objectContaining({
          direction: 'outbound',
          kind: 'workflow_reply',
          body: expect.stringContaining('did not understand'),
        }),
        // what the patient wrote, for staff to read without opening the thread
        lastInbound: expect.objectContaining({ direction: 'inbound', body: 'Can I come at 3?' }),
      }),
      expect.objectContaining({
        patientPhone: canceller.phone,
        reason: 'cancel_keyword',
        // the opt-out's confirmation, sent by the consent handler
        lastMessage: expect.objectContaining({ direction: 'outbound', kind: 'keyword_reply' }),
        lastInbound: expect.objectContaining({ direction: 'inbound', body: 'CANCEL' }),
      }),
    ]);
    const all = await t.http.get('/v1/conversations').set(c.auth).expect(200);
    expect(all.body.items).toHaveLength(3);

    const resolved = await t.http.post(path(puzzled.phone, '/resolve')).set(c.auth).expect(200);
    expect(resolved.body).toMatchObject({ needsAttention: false, reason: null });
    const left = await t.http.get('/v1/conversations?needsAttention=true').set(c.auth);
    expect(left.body.items.map((i: { patientPhone: string }) => i.patientPhone)).toEqual([
      canceller.phone,
    ]);
  });

  it('shows the thread newest last; a staff reply is sent through the outbox and kept', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, 'Is parking free?');
    t.clock.advance(60_000);
    const sent = await t.http
      .post(path(appt.phone, '/messages'))
      .set(c.auth)
      .send({ body: 'Yes, behind the building.' })
      .expect(201);
    expect(sent.body.messages.map((m: { kind: string; direction: string }) => m.kind)).toEqual([
      'reminder',
      'inbound',
      'workflow_reply',
      'staff',
    ]);
    expect(await answersTo(t, c.id, appt.phone)).toEqual([
      expect.objectContaining({ kind: 'workflow_reply' }),
      expect.objectContaining({
        kind: 'staff',
        body: 'Yes, behind the building.',
        status: 'pending',
      }),
    ]);
    const thread = await t.http.get(path(appt.phone)).set(c.auth).expect(200);
    expect(thread.body).toMatchObject({
      patientPhone: appt.phone,
      needsAttention: true,
      reason: 'unrecognized_reply',
    });
    expect(thread.body.messages.slice(-1)[0]).toMatchObject({
      direction: 'outbound',
      kind: 'staff',
      body: 'Yes, behind the building.',
      at: t.clock.now().toISOString(),
    });
    // Staff replying does not resolve: that is a separate, explicit step.
    expect(thread.body.needsAttention).toBe(true);
  });

  it('refuses bad input and other clinics’ conversations', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, '??');
    const bad = await t.http.get('/v1/conversations/13125550123').set(c.auth).expect(400);
    expect(bad.body.message).toEqual([expect.stringMatching(/^patientPhone must be a \+E\.164/)]);
    await t.http.get(path(uniquePhone())).set(c.auth).expect(404);
    await t.http.get('/v1/conversations?needsAttention=maybe').set(c.auth).expect(400);
    const empty = await t.http.post(path(appt.phone, '/messages')).set(c.auth).send({ body: '  ' });
    expect(empty.status).toBe(400);
    await t.http
      .post(path(appt.phone, '/messages'))
      .set(c.auth)
      .send({ body: 'hi', to: 'x' })
      .expect(400);
    await t.http
      .post(path(appt.phone, '/messages'))
      .set(c.auth)
      .send({ body: 'x'.repeat(1601) })
      .expect(400);

    const other = await createClinic(t);
    await t.http.get(path(appt.phone)).set(other.auth).expect(404);
    await t.http.post(path(appt.phone, '/resolve')).set(other.auth).expect(404);
    await t.http
      .post(path(appt.phone, '/messages'))
      .set(other.auth)
      .send({ body: 'hi' })
      .expect(404);
    const theirs = await t.http.get('/v1/conversations').set(other.auth).expect(200);
    expect(theirs.body.items).toEqual([]);
    await t.http.get('/v1/conversations').expect(401);
  });

  it('does not text a patient who opted out (409)', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, 'STOP');
    const res = await t.http
      .post(path(appt.phone, '/messages'))
      .set(c.auth)
      .send({ body: 'Are you sure?' })
      .expect(409);
    expect(res.body.message).toEqual([expect.stringContaining('opted out')]);
  });

  it('is described in the OpenAPI document with operation ids', async () => {
    const res = await t.http.get('/docs-json').expect(200);
    const ops = (p: string) =>
      Object.values(res.body.paths[p] as Record<string, { operationId: string }>).map(
        (o) => o.operationId,
      );
    expect(ops('/v1/conversations')).toEqual(['listConversations']);
    expect(ops('/v1/conversations/{patientPhone}')).toEqual(['getConversation']);
    expect(ops('/v1/conversations/{patientPhone}/messages')).toEqual(['sendStaffReply']);
    expect(ops('/v1/conversations/{patientPhone}/resolve')).toEqual(['resolveConversation']);
    expect(ops('/v1/calendar-deliveries')).toEqual(['listCalendarDeliveries']);
    expect(ops('/v1/calendar-deliveries/{id}/retry')).toEqual(['retryCalendarDelivery']);
  });
  it('exports every message and consent event, oldest first, as JSON and as guarded CSV', async () => {
    const appt = await reminded();
    await reply(t, c, appt.phone, '=HYPERLINK("http://evil")');
    t.clock.advance(1_000);
    await reply(t, c, appt.phone, 'STOP');
    const json = await t.http.get(path(appt.phone, '/export')).set(c.auth).expect(200);
    expect(json.body.patientPhone).toBe(appt.phone);
    const items = json.body.items as { type: string; at: string; direction: string | null }[];
    expect(items.map((i) => i.at)).toEqual([...items.map((i) => i.at)].sort());
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'message', direction: 'outbound', kind: 'reminder' }),
        expect.objectContaining({
          type: 'message',
          direction: 'inbound',
          body: '=HYPERLINK("http://evil")',
          action: null,
        }),
        expect.objectContaining({ type: 'message', direction: 'inbound', body: 'STOP' }),
        expect.objectContaining({
          type: 'consent',
          action: 'opt_out',
          source: 'keyword',
          word: 'STOP',
          body: null,
        }),
      ]),
    );
    const csv = await t.http
      .get(path(appt.phone, '/export'))
      .query({ format: 'csv' })
      .set(c.auth)
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'type,at,id,direction,kind,status,body,appointmentId,action,source,word,note',
    );
    expect(lines).toHaveLength(items.length + 1);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    await t.http.get(path(appt.phone, '/export')).query({ format: 'xml' }).set(c.auth).expect(400);
    await t.http.get(path('+13125550000', '/export')).set(c.auth).expect(404);
    await t.http.get(path('3125550000', '/export')).set(c.auth).expect(400);
  });
});
