import { appointmentInput, createClinic, TestClinic } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

describe('bad input never causes a 500', () => {
  let t: TestApp;
  let c: TestClinic;
  beforeAll(async () => {
    t = await startTestApp();
    c = await createClinic(t);
  });
  afterAll(() => t.close());

  const post = (body: unknown) =>
    t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(body as object);

  it.each([
    ['missing externalId', { externalId: undefined }, 'externalId must be a string'],
    ['empty externalId', { externalId: '' }, 'externalId should not be empty'],
    ['missing patient', { patient: undefined }, 'patient must be an object'],
    ['patient not an object', { patient: 'Ana' }, 'patient must be an object'],
    ['bad phone', { patient: { phone: '12' } }, 'patient.phone must be a valid phone number'],
    [
      'unknown language',
      { patient: { phone: '3125550123', language: 'fr' } },
      'patient.language must be one of',
    ],
    [
      'unknown patient zone',
      { patient: { phone: '3125550123', timezone: 'Nowhere/City' } },
      'patient.timezone must be an IANA',
    ],
    [
      'unknown patient field',
      { patient: { phone: '3125550123', dob: '1990' } },
      'patient.property dob should not exist',
    ],
    ['garbage startsAt', { startsAt: 'next tuesday' }, 'startsAt'],
    ['impossible date', { startsAt: '2026-02-30T10:00:00' }, 'startsAt'],
    ['duration zero', { durationMinutes: 0 }, 'durationMinutes must not be less than 1'],
    ['duration text', { durationMinutes: '30' }, 'durationMinutes must be an integer'],
    ['status not allowed on upload', { status: 'confirmed' }, 'status must be one of'],
    ['unknown top-level field', { colour: 'red' }, 'property colour should not exist'],
  ])('%s -> 400 naming the field', async (_name, patch, expected) => {
    const body = { ...appointmentInput(), ...patch };
    const res = await post(body).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect((res.body.message as string[]).join('\n')).toContain(expected);
  });

  it('a NUL character in text -> 400, and in a batch only that item fails', async () => {
    await post(appointmentInput({ location: 'Main\u0000St' })).expect(400);
    const res = await t.http
      .post('/v1/appointments/batch')
      .set(c.auth)
      .send({ appointments: [appointmentInput({ type: 'a\u0000b' }), appointmentInput()] })
      .expect(200);
    expect(res.body.results[0]).toMatchObject({
      outcome: 'error',
      errors: ['type must not contain NUL characters or unpaired UTF-16 surrogates'],
    });
    expect(res.body.results[1].outcome).toBe('created');
  });

  it('malformed JSON -> 400', async () => {
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .set('Content-Type', 'application/json')
      .send('{"externalId": "A-1",')
      .expect(400);
    expect(res.body.message.join(' ')).toContain('JSON');
  });

  it('a JSON array or scalar where an object belongs -> 400', async () => {
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .set('Content-Type', 'application/json')
      .send('[1,2]')
      .expect(400);
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .set('Content-Type', 'application/json')
      .send('"x"')
      .expect(400);
  });

  it('oversized body -> 413', async () => {
    const huge = JSON.stringify({ appointments: [{ externalId: 'x'.repeat(9 * 1024 * 1024) }] });
    const res = await t.http
      .post('/v1/appointments/batch')
      .set(c.auth)
      .set('Content-Type', 'application/json')
      .send(huge)
      .expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, message: ['body is too large'] });
  });

  it('unknown time zone or country on a clinic -> 400', async () => {
    const res = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ timezone: 'Europe/Atlantis', defaultCountry: 'ZZ' })
      .expect(400);
    const text = (res.body.message as string[]).join('\n');
    expect(text).toContain('timezone');
    expect(text).toContain('defaultCountry');
  });

  it('missing or wrong API key -> 401', async () => {
    await t.http.get('/v1/appointments').expect(401);
    await t.http.get('/v1/appointments').set('Authorization', 'Bearer tk_wrong').expect(401);
    await t.http.get('/v1/appointments').set('Authorization', 'Basic abc').expect(401);
  });

  it('national numbers use the clinic country', async () => {
    const uk = await createClinic(t, {
      timezone: 'Europe/London',
      defaultCountry: 'GB',
      senderNumber: '+442079460000',
    });
    const res = await t.http
      .post('/v1/appointments')
      .set(uk.auth)
      .send(
        appointmentInput({ patient: { phone: '020 7946 0958' }, startsAt: '2026-12-01T09:30:00' }),
      )
      .expect(201);
    expect(res.body.patient.phone).toBe('+442079460958');
    expect(res.body.startsAt).toBe('2026-12-01T09:30:00.000Z');
  });
});
