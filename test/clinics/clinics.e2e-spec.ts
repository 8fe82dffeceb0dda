import { createClinic, uniquePhone } from '../support/factories';
import { ADMIN_TOKEN, startTestApp, TestApp } from '../support/test-app';

describe('clinics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates a clinic, shows the API key and webhook secret once, and stores only a hash', async () => {
    const c = await createClinic(t, {
      provider: { type: 'twilio', accountSid: 'AC123', authToken: 'super-secret-token' },
      contactPhone: '(312) 555-0199',
    });
    expect(c.apiKey).toMatch(/^tk_[A-Za-z0-9_-]{40,}$/);
    expect(c.webhookSecret).toMatch(/^whsec_/);
    expect(c.body).toMatchObject({
      timezone: 'America/Chicago',
      defaultCountry: 'US',
      contactPhone: '+13125550199',
      reminderOffsets: ['P2D', 'PT2H'],
      quietHours: { start: '20:00', end: '08:00' },
      noShowGraceMinutes: 30,
      sendRatePerSecond: 1,
      keywordReplies: 'provider',
      provider: { type: 'twilio', accountSid: 'AC123' },
      webhooks: {
        inbound: 'https://turnout.test/webhooks/twilio/inbound',
        status: 'https://turnout.test/webhooks/twilio/status',
      },
    });
    expect(JSON.stringify(c.body)).not.toContain('super-secret-token');

    const rows: { key_hash: string }[] = await t.ds.query(
      'SELECT key_hash FROM api_keys WHERE clinic_id = $1',
      [c.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).not.toContain(c.apiKey);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);

    const read = await t.http.get('/v1/clinic').set(c.auth).expect(200);
    expect(read.body.id).toBe(c.id);
    expect(read.body.apiKey).toBeUndefined();
    expect(read.body.webhookSecret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain('super-secret-token');
  });

  it('needs the operator token to create a clinic', async () => {
    const body = {
      name: 'X',
      timezone: 'UTC',
      senderNumber: uniquePhone(),
      provider: { type: 'fake' },
    };
    await t.http.post('/v1/clinics').send(body).expect(401);
    await t.http
      .post('/v1/clinics')
      .set('Authorization', 'Bearer wrong-token-000000000')
      .send(body)
      .expect(401);
    const c = await createClinic(t);
    // a clinic key is not an operator token
    await t.http.post('/v1/clinics').set(c.auth).send(body).expect(401);
  });

  it('rejects a sender number already used with the same provider type (409)', async () => {
    const sender = uniquePhone();
    await createClinic(t, { senderNumber: sender });
    const res = await t.http
      .post('/v1/clinics')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({
        name: 'Y',
        timezone: 'America/Chicago',
        senderNumber: sender,
        provider: { type: 'fake' },
      })
      .expect(409);
    expect(res.body.message.join(' ')).toContain('senderNumber');
  });

  it('names every bad setting in a 400', async () => {
    const res = await t.http
      .post('/v1/clinics')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({
        name: '',
        timezone: 'Mars/Olympus',
        defaultCountry: 'XX',
        senderNumber: '+1 555 555 0100',
        provider: { type: 'twilio' },
        reminderOffsets: ['2 days'],
        quietHours: { start: '25:00', end: '08:00' },
        sendRatePerSecond: 0,
        colour: 'blue',
      })
      .expect(400);
    const text = (res.body.message as string[]).join('\n');
    for (const field of [
      'name',
      'timezone',
      'defaultCountry',
      'provider.accountSid',
      'provider.authToken',
      'reminderOffsets',
      'quietHours.start',
      'sendRatePerSecond',
      'property colour should not exist',
    ]) {
      expect(text).toContain(field);
    }
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('keeps office hours, and refuses bad ones naming the day', async () => {
    const c = await createClinic(t);
    const hours = { mon: ['08:00', '17:00'], fri: ['08:00', '12:30'], sat: null };
    const res = await t.http.patch('/v1/clinic').set(c.auth).send({ officeHours: hours });
    expect(res.status).toBe(200);
    expect(res.body.officeHours).toEqual(hours);
    for (const [bad, field] of [
      [{ mon: ['17:00', '08:00'] }, 'officeHours.mon must open before it closes'],
      [{ monday: ['08:00', '17:00'] }, 'officeHours.monday is not a day'],
      [{ tue: ['8am', '5pm'] }, 'officeHours.tue must be ["HH:MM", "HH:MM"]'],
      ['always', 'officeHours must be an object'],
    ] as const) {
      const refused = await t.http
        .patch('/v1/clinic')
        .set(c.auth)
        .send({ officeHours: bad })
        .expect(400);
      expect((refused.body.message as string[]).join('\n')).toContain(field);
    }
    const cleared = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ officeHours: null })
      .expect(200);
    expect(cleared.body.officeHours).toBeNull();
  });

  it('rejects an invalid sender number after normalisation', async () => {
    const res = await t.http
      .post('/v1/clinics')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({
        name: 'Z',
        timezone: 'America/Chicago',
        senderNumber: '+1 555 555 0100',
        provider: { type: 'fake' },
      })
      .expect(400);
    expect(res.body.message).toEqual(['senderNumber must be a valid phone number']);
  });

  it('lets a clinic change its own settings and nobody else', async () => {
    const c = await createClinic(t);
    const res = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ reminderOffsets: ['P1D'], quietHours: null, noShowGraceMinutes: 15 })
      .expect(200);
    expect(res.body).toMatchObject({
      reminderOffsets: ['P1D'],
      quietHours: null,
      noShowGraceMinutes: 15,
    });
    await t.http.patch('/v1/clinic').set(c.auth).send({ id: 'other' }).expect(400);
    await t.http.get('/v1/clinic').set({ Authorization: 'Bearer tk_not-a-key' }).expect(401);
  });

  it('shows the Flowroute path secret once, in the webhook URLs', async () => {
    const c = await createClinic(t, {
      provider: { type: 'flowroute', accessKey: 'acc12345', secretKey: 'sec-should-not-leak' },
    });
    const inbound = (c.body.webhooks as Record<string, string>).inbound;
    expect(inbound).toMatch(
      /^https:\/\/turnout\.test\/webhooks\/flowroute\/frs_[A-Za-z0-9_-]+\/inbound$/,
    );
    const read = await t.http.get('/v1/clinic').set(c.auth).expect(200);
    expect(JSON.stringify(read.body)).not.toContain(inbound.split('/')[5]);
    expect(JSON.stringify(read.body)).not.toContain('sec-should-not-leak');
    expect(read.body.keywordReplies).toBe('turnout');
  });
});
