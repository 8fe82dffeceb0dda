import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { CalendarWriteBack } from '../../src/calendar/calendar-write-back.service';
import { CalendarSync } from '../../src/calendar/store/calendar-sync.service';
import { FhirStore } from '../../src/calendar/store/fhir.store';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { FhirTestServer } from '../support/fhir/fhir-test-server';
import { reply } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { sentReminder } from '../support/webhooks';

/** Against the local R4 server of test/support/fhir (its rules: README.md there). */
describe('FHIR R4 calendar store', () => {
  let t: TestApp;
  let fhir: FhirTestServer;
  let c: TestClinic;
  let sender: string;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  // each test its own EHR: a search returns everything on the server
  beforeEach(async () => {
    fhir = new FhirTestServer();
    fhir.maxPageSize = 2;
    // the server's clock is the app's: JWT exp and token lifetimes are read against it
    fhir.now = () => t.clock.now().getTime();
    await fhir.start();
  });
  afterEach(() => fhir.stop());
  beforeEach(async () => {
    t.clock.set('2026-11-26T15:00:00Z');
    sender = uniquePhone();
    c = await createClinic(t, { senderNumber: sender });
  });

  async function useStore(
    auth: Record<string, unknown> = { type: 'bearer', token: fhir.staticToken },
  ) {
    const res = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ calendarStore: { type: 'fhir', baseUrl: fhir.base, auth, syncSeconds: 60 } });
    expect(res.status).toBe(200);
  }

  async function sync() {
    await t.ds.query(
      `UPDATE calendar_store_syncs
       SET next_sync_at = CASE WHEN clinic_id = $1 THEN $2::timestamptz ELSE 'infinity' END`,
      [c.id, t.clock.now()],
    );
    const outcomes = await t.app.get(CalendarSync).runOnce();
    return outcomes.find((o) => o.clinicId === c.id)!;
  }

  async function deliver(): Promise<void> {
    const service = t.app.get(CalendarWriteBack);
    while ((await service.runOnce()) > 0);
  }

  async function appointment(externalId: string) {
    const list = await t.http
      .get(`/v1/appointments?externalId=${encodeURIComponent(externalId)}`)
      .set(c.auth);
    expect(list.body.items).toHaveLength(1);
    return (await t.http.get(`/v1/appointments/${list.body.items[0].id}`).set(c.auth)).body;
  }

  /** An EHR's booked visit: a Patient with an sms phone, Dr. Kim, Main St. */
  function booked(
    phone = uniquePhone(),
    start = '2026-12-03T15:30:00Z',
    extra: Record<string, unknown> = {},
  ) {
    const tag = Math.random().toString(36).slice(2, 8);
    fhir.put({
      resourceType: 'Patient',
      id: `p-${tag}`,
      name: [{ given: ['Ana'], family: 'Diaz' }],
      telecom: [{ system: 'sms', value: phone }],
      communication: [{ language: { coding: [{ code: 'es' }] }, preferred: true }],
    });
    fhir.put({
      resourceType: 'Practitioner',
      id: 'kim',
      name: [{ prefix: ['Dr.'], family: 'Kim' }],
    });
    fhir.put({ resourceType: 'Location', id: 'main', name: 'Main St' });
    return fhir.put({
      resourceType: 'Appointment',
      id: `a-${tag}`,
      status: 'booked',
      start,
      end: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
      appointmentType: { text: 'cleaning' },
      participant: [
        { actor: { reference: `Patient/p-${tag}` }, status: 'needs-action' },
        { actor: { reference: 'Practitioner/kim' }, status: 'accepted' },
        { actor: { reference: 'Location/main' }, status: 'accepted' },
      ],
      ...extra,
    });
  }

  it('reads page by page with _include, lists what it cannot map, then only what changed', async () => {
    const phone = uniquePhone();
    const first = booked(phone);
    for (let i = 1; i <= 3; i++) booked(uniquePhone(), `2026-12-0${3 + i}T15:30:00Z`);
    fhir.put({
      resourceType: 'Patient',
      id: 'nophone',
      telecom: [{ system: 'email', value: 'x@y' }],
    });
    fhir.put({
      resourceType: 'Appointment',
      id: 'no-phone',
      status: 'booked',
      start: '2026-12-03T16:00:00Z',
      end: '2026-12-03T16:30:00Z',
      participant: [{ actor: { reference: 'Patient/nophone' }, status: 'needs-action' }],
    });
    fhir.put({
      resourceType: 'Appointment',
      id: 'proposed',
      status: 'proposed',
      start: '2026-12-03T16:00:00Z',
      participant: [],
    });
    await useStore();
    fhir.requests.length = 0;

    const read = await sync();
    expect(read).toMatchObject({ ok: true, created: 4, unmapped: 2 });
    const searches = fhir.requests.filter((r) => r.startsWith('GET /fhir/R4/Appointment?'));
    expect(searches.length).toBeGreaterThanOrEqual(3); // pages of 2, followed by next links
    expect(searches[0]).toContain('_include=Appointment%3Apatient');
    expect(searches[0]).toContain('date=ge2026-11-25T15%3A00%3A00.000Z');
    expect(await appointment(`Appointment/${first.id}`)).toMatchObject({
      startsAt: '2026-12-03T15:30:00.000Z',
      durationMinutes: 30,
      practitioner: 'Dr. Kim',
      location: 'Main St',
      type: 'cleaning',
      patient: { name: 'Ana Diaz', phone, language: 'es' },
    });
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(
      state.unmapped.map((u: { ref: string; reason: string }) => [u.ref, u.reason]).sort(),
    ).toEqual([
      ['Appointment/no-phone', 'the patient has no sms or mobile phone telecom'],
      ['Appointment/proposed', 'status proposed is not a booked appointment'],
    ]);

    fhir.put({ ...first, start: '2026-12-10T15:30:00Z', end: '2026-12-10T16:00:00Z' });
    fhir.requests.length = 0;
    t.clock.set('2026-11-26T15:01:00Z');
    expect(await sync()).toMatchObject({ updated: 1, unchanged: 0, created: 0 });
    expect(fhir.requests).toHaveLength(1);
    expect(fhir.requests[0]).toMatch(/_lastUpdated=gt/);
    expect((await appointment(`Appointment/${first.id}`)).startsAt).toBe(
      '2026-12-10T15:30:00.000Z',
    );
  });

  it('writes a confirmation by JSON Patch with If-Match; a 412 reads again and keeps the EHR edit', async () => {
    const phone = uniquePhone();
    const resource = booked(phone);
    await useStore();
    await sync();
    // the EHR changes the appointment after Turnout read it: version 2
    fhir.put({ ...fhir.get(`Appointment/${resource.id}`)!, comment: 'bring x-rays' });
    const a = await appointment(`Appointment/${resource.id}`);
    const [{ patient_id }] = await t.ds.query(`SELECT patient_id FROM appointments WHERE id = $1`, [
      a.id,
    ]);
    await sentReminder(
      t,
      { id: c.id, senderNumber: sender, providerType: 'fake' },
      { id: a.id, patientId: patient_id, phone },
      `SM${a.id.slice(0, 8)}`,
    );
    fhir.requests.length = 0;
    await reply(t, c, phone, 'C');
    await deliver();

    expect(fhir.requests).toEqual([
      `PATCH /fhir/R4/Appointment/${resource.id}`,
      `GET /fhir/R4/Appointment/${resource.id}`,
      `PATCH /fhir/R4/Appointment/${resource.id}`,
    ]);
    const now = fhir.get(`Appointment/${resource.id}`)!;
    expect(now).toMatchObject({
      comment: 'bring x-rays',
      status: 'booked',
      meta: { versionId: '3' },
    });
    expect((now.participant as { status: string }[])[0].status).toBe('accepted');
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state.counts).toMatchObject({ writes: 1, writeConflicts: 1 });

    t.clock.set('2026-11-26T15:02:00Z');
    expect(await sync()).toMatchObject({ unchanged: 1 });
    expect((await appointment(`Appointment/${resource.id}`)).status).toBe('confirmed');
  });

  async function staffMove(externalId: string, startsAt: string) {
    const a = await appointment(externalId);
    const res = await t.http.patch(`/v1/appointments/${a.id}`).set(c.auth).send({ startsAt });
    expect(res.status).toBe(200);
  }

  it('both moved it: on the 412 the EHR’s time is kept, imported, and the conflict shown', async () => {
    const resource = booked();
    const ref = `Appointment/${resource.id}`;
    await useStore();
    await sync();
    // The EHR moves it (version 2) while staff move it in Turnout.
    fhir.put({ ...fhir.get(ref)!, start: '2026-12-04T17:00:00Z', end: '2026-12-04T17:30:00Z' });
    await staffMove(ref, '2026-12-05T10:00:00');
    fhir.requests.length = 0;
    await deliver();

    // one PATCH (412), the re-read, and no second PATCH
    expect(fhir.requests).toEqual([`PATCH /fhir/R4/${ref}`, `GET /fhir/R4/${ref}`]);
    expect(fhir.get(ref)).toMatchObject({
      start: '2026-12-04T17:00:00Z',
      meta: { versionId: '2' },
    });
    const [d] = (await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items;
    expect(d).toMatchObject({
      type: 'appointment.rescheduled',
      status: 'conflict',
      lastStatusCode: 412,
      lastError:
        'not written: the calendar moved it to 2026-12-04 11:00 America/Chicago since Turnout read it; ' +
        "the calendar's time is kept (Turnout's move was to 2026-12-05 10:00 America/Chicago)",
    });
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state.counts).toMatchObject({ calendarKept: 1, writes: 0 });
    expect(state.conflicts).toEqual([
      expect.objectContaining({ deliveryId: d.id, externalId: ref }),
    ]);
    expect(Date.parse(state.nextReadAt)).toBeLessThanOrEqual(t.clock.now().getTime());
    expect(await sync()).toMatchObject({ updated: 1 });
    const a = await appointment(ref);
    expect(a.startsAt).toBe('2026-12-04T17:00:00.000Z');
    expect(a.history.at(-1)).toMatchObject({ event: 'IMPORT_RESCHEDULE', source: 'import' });
    const pending = a.reminders.filter((r: { status: string }) => r.status === 'pending');
    expect(pending.map((r: { dueAt: string }) => r.dueAt)).toEqual([
      '2026-12-02T17:00:00.000Z',
      '2026-12-04T15:00:00.000Z',
    ]);
  });

  it('the EHR changed only the description: on the 412 Turnout’s move is applied again', async () => {
    const resource = booked();
    const ref = `Appointment/${resource.id}`;
    await useStore();
    await sync();
    fhir.put({ ...fhir.get(ref)!, description: 'bring x-rays' });
    await staffMove(ref, '2026-12-05T10:00:00');
    fhir.requests.length = 0;
    await deliver();

    expect(fhir.requests).toEqual([
      `PATCH /fhir/R4/${ref}`,
      `GET /fhir/R4/${ref}`,
      `PATCH /fhir/R4/${ref}`,
    ]);
    expect(fhir.get(ref)).toMatchObject({
      description: 'bring x-rays',
      start: '2026-12-05T16:00:00.000Z',
      end: '2026-12-05T16:30:00.000Z',
      meta: { versionId: '3' },
    });
    const [d] = (await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items;
    expect(d).toMatchObject({ status: 'delivered', attempts: 1 });
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state.counts).toMatchObject({ writes: 1, writeConflicts: 1, calendarKept: 0 });
    expect(state.conflicts).toEqual([]);
  });

  it('an Appointment deleted outright on the server is found by the reconcile and cancelled', async () => {
    const gone = booked();
    const kept = booked(uniquePhone(), '2026-12-04T15:30:00Z');
    await useStore();
    await sync();
    fhir.delete(`Appointment/${gone.id}`);

    // The incremental search cannot say so: a deleted resource is simply not returned.
    t.clock.set('2026-11-26T15:01:00Z');
    expect(await sync()).toMatchObject({ ok: true, cancelledByDeletion: 0 });
    expect((await appointment(`Appointment/${gone.id}`)).status).toBe('scheduled');

    // Every 15 minutes a read also looks up the ids Turnout holds for upcoming appointments.
    t.clock.set('2026-11-26T15:15:00Z');
    fhir.requests.length = 0;
    expect(await sync()).toMatchObject({ ok: true, cancelledByDeletion: 1 });
    const lookups = fhir.requests.filter((r) => r.includes('_id='));
    expect(lookups).toHaveLength(1);
    expect(decodeURIComponent(lookups[0])).toContain(`_id=${[gone.id, kept.id].sort().join(',')}`);
    const a = await appointment(`Appointment/${gone.id}`);
    expect(a.status).toBe('cancelled');
    expect(a.reminders.every((r: { status: string }) => r.status === 'cancelled')).toBe(true);
    expect(a.history.at(-1)).toMatchObject({ event: 'IMPORT_CANCEL', source: 'import' });
    expect((await appointment(`Appointment/${kept.id}`)).status).toBe('scheduled');

    // The next reconcile asks only for what is still upcoming and held.
    t.clock.set('2026-11-26T15:30:00Z');
    fhir.requests.length = 0;
    expect(await sync()).toMatchObject({ ok: true, cancelledByDeletion: 0 });
    expect(fhir.requests.filter((r) => r.includes('_id='))).toEqual([
      expect.stringContaining(`_id=${kept.id}&`),
    ]);
    // R4 delete over HTTP: 204, then 410 Gone on a read
    const del = await fetch(`${fhir.base}/Appointment/${kept.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${fhir.staticToken}` },
    });
    expect(del.status).toBe(204);
    const read = await fetch(`${fhir.base}/Appointment/${kept.id}`, {
      headers: { authorization: `Bearer ${fhir.staticToken}` },
    });
    expect(read.status).toBe(410);
  });

  it('429 waits for Retry-After; the OperationOutcome is shown; then the cancel is written', async () => {
    const resource = booked();
    await useStore();
    await sync();
    const a = await appointment(`Appointment/${resource.id}`);
    fhir.script({ status: 429, retryAfter: '120', outcome: 'too many requests from this client' });
    await t.http.patch(`/v1/appointments/${a.id}`).set(c.auth).send({ status: 'cancelled' });
    await deliver();
    const [pending] = (await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items;
    expect(pending).toMatchObject({
      status: 'pending',
      lastStatusCode: 429,
      nextAttemptAt: '2026-11-26T15:02:00.000Z',
    });
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state.lastError.message).toContain(
      'error transient: too many requests from this client',
    );

    t.clock.set('2026-11-26T15:02:00Z');
    await deliver();
    expect(fhir.get(`Appointment/${resource.id}`)).toMatchObject({
      status: 'cancelled',
      cancelationReason: { text: expect.any(String) },
    });
  });

  it('SMART Backend Services: a signed JWT for a token, kept across reads; a wrong key is shown', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const clientId = `turnout-${c.id.slice(0, 8)}`;
    fhir.registerClient(clientId, await exportJWK(publicKey));
    booked();
    await useStore({
      type: 'smart-backend',
      clientId,
      tokenUrl: fhir.tokenUrl,
      privateKeyJwk: await exportJWK(privateKey),
      scope: 'system/Appointment.rs system/Appointment.u system/Patient.r',
    });
    fhir.requests.length = 0;
    expect(await sync()).toMatchObject({ ok: true, created: 1 });
    t.clock.set('2026-11-26T15:01:00Z');
    expect(await sync()).toMatchObject({ ok: true });
    expect(fhir.requests.filter((r) => r.startsWith('POST /auth/token'))).toHaveLength(1);
    const clinic = (await t.http.get('/v1/clinic').set(c.auth)).body;
    expect(clinic.calendarStore).toEqual({
      type: 'fhir',
      baseUrl: fhir.base,
      auth: { type: 'smart-backend', clientId, tokenUrl: fhir.tokenUrl, scope: expect.any(String) },
      syncSeconds: 60,
      secretsSet: ['privateKeyJwk'],
    });

    const other = await generateKeyPair('ES384', { extractable: true });
    await useStore({
      type: 'smart-backend',
      clientId,
      tokenUrl: fhir.tokenUrl,
      privateKeyJwk: await exportJWK(other.privateKey),
      scope: 'system/Appointment.rs',
    });
    expect(await sync()).toMatchObject({ ok: false });
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state.lastError.message).toMatch(/token endpoint answered 401 invalid_client/);
  });

  it("the test server's token endpoint refuses a reused jti, a wrong aud and an expired JWT", async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS384');
    fhir.registerClient('bench', await exportJWK(publicKey));
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const assertion = (claims: { aud?: string; exp?: number; jti?: string }) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS384' })
        .setIssuer('bench')
        .setSubject('bench')
        .setAudience(claims.aud ?? fhir.tokenUrl)
        .setExpirationTime(claims.exp ?? now + 120)
        .setJti(claims.jti ?? Math.random().toString(36))
        .sign(privateKey);
    const ask = async (jwt: string) => {
      const res = await fetch(fhir.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'system/Appointment.rs',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
        }),
      });
      return { status: res.status, body: (await res.json()) as { error?: string } };
    };
    const once = await assertion({ jti: 'j-1' });
    expect((await ask(once)).status).toBe(200);
    expect(await ask(once)).toEqual({
      status: 401,
      body: expect.objectContaining({ error: 'invalid_client' }),
    });
    expect((await ask(await assertion({ aud: 'https://elsewhere/token' }))).status).toBe(401);
    expect((await ask(await assertion({ exp: now - 10 }))).status).toBe(401);
  });

  it('a booking by Turnout is a POST, read back as the same appointment', async () => {
    await useStore();
    await sync();
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({
        externalId: 'turnout-f1',
        patient: { name: 'Bo Lee', phone: uniquePhone() },
        startsAt: '2026-12-05T10:00:00',
        durationMinutes: 45,
        practitioner: 'Dr. Kim',
        location: 'Main St',
        type: 'checkup',
      });
    const view = (await t.http.get(`/v1/appointments/${res.body.id}`).set(c.auth)).body;
    const written = await t.app.get(FhirStore).write(
      {
        clinicId: c.id,
        timezone: 'America/Chicago',
        settings: { type: 'fhir', baseUrl: fhir.base, auth: { type: 'bearer' }, syncSeconds: 60 },
        secret: { token: fhir.staticToken },
      },
      {
        id: 'evt_b',
        type: 'appointment.booked',
        occurredAt: '2026-11-26T15:00:00Z',
        appointment: view,
      },
      null,
    );
    expect(written.ok).toBe(true);
    t.clock.set('2026-11-26T15:01:00Z');
    expect(await sync()).toMatchObject({ created: 0, unchanged: 1 });
  });

  it('refuses a store URL that is not https (unless loopback), naming the field', async () => {
    const res = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({
        calendarStore: {
          type: 'fhir',
          baseUrl: 'http://ehr.example/fhir',
          auth: { type: 'bearer', token: 'x' },
        },
      });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([
      expect.stringMatching(/^calendarStore\.baseUrl must be an https URL/),
    ]);
    const caldav = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ calendarStore: { type: 'caldav' } });
    expect(caldav.status).toBe(400);
    expect(caldav.body.message.join(' ')).toMatch(/calendarStore\.url/);
  });
});
