import { dispatcherOf, remindersOf, upload } from '../support/dispatch-helpers';
import { createClinic, uniquePhone, type TestClinic } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { processInbox } from '../support/webhooks';

const BOOKED_AT = '2026-11-25T16:00:00Z';
// The P2D reminder of a visit on Tue 2026-12-01 09:30 Chicago.
const P2D_DUE = '2026-11-29T15:30:00.000Z';
const WRITTEN = { method: 'written', at: '2026-11-02T10:00:00Z', note: 'signed at intake' };

describe('consent evidence: the upload’s documented opt-in and requireConsentEvidence', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(() => t.clock.set(BOOKED_AT));
  afterAll(() => t.close());

  async function events(c: TestClinic, phone: string) {
    const res = await t.http
      .get(`/v1/patients/${encodeURIComponent(phone)}/consent`)
      .set(c.auth)
      .expect(200);
    return res.body as { consent: unknown; events: Record<string, unknown>[] };
  }

  it('keeps patient.consent as one opt-in event of source clinic, however often uploaded', async () => {
    const c = await createClinic(t);
    const phone = uniquePhone();
    const patient = { name: 'Ana', phone, consent: WRITTEN };
    const a = await upload(t, c, { patient });
    await upload(t, c, { patient });
    const history = await events(c, phone);
    expect(history.events).toMatchObject([
      {
        action: 'opt_in',
        source: 'clinic',
        word: 'written',
        note: 'signed at intake',
        at: '2026-11-02T10:00:00.000Z',
      },
    ]);
    expect(history.events).toHaveLength(1);
    const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
    expect(view.body.patient.consent).toEqual({
      optedOut: false,
      since: '2026-11-02T10:00:00.000Z',
      source: 'clinic',
      word: 'written',
    });
  });

  it('names the field of a bad consent', async () => {
    const c = await createClinic(t);
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({
        externalId: 'A-bad-consent',
        patient: { phone: uniquePhone(), consent: { method: 'telepathy', at: 'soon' } },
        startsAt: '2026-12-01T09:30:00-06:00',
      })
      .expect(400);
    expect(JSON.stringify(res.body)).toContain('patient.consent.method');
    expect(JSON.stringify(res.body)).toContain('patient.consent.at');
  });

  it('never opts back in a patient who opted out by text', async () => {
    const c = await createClinic(t);
    const phone = uniquePhone();
    await upload(t, c, { patient: { name: 'Ana', phone } });
    await t.http.post('/v1/simulator/inbound').set(c.auth).send({ from: phone, body: 'STOP' });
    await processInbox(t);
    // The clinic's record says written consent, dated after the STOP: the STOP still wins.
    t.clock.set('2026-11-26T16:00:00Z');
    const a = await upload(t, c, {
      patient: { name: 'Ana', phone, consent: { method: 'portal', at: '2026-11-26T12:00:00Z' } },
    });
    const history = await events(c, phone);
    expect(history.events.map((e) => [e.action, e.source])).toEqual([['opt_out', 'keyword']]);
    const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
    expect(view.body.patient.consent).toMatchObject({ optedOut: true, source: 'keyword' });
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id))[0]).toMatchObject({
      status: 'skipped',
      reason: 'opted_out',
    });
  });

  it('with requireConsentEvidence, skips the reminders of patients without an opt-in', async () => {
    const c = await createClinic(t);
    const patched = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({ requireConsentEvidence: true })
      .expect(200);
    expect(patched.body.requireConsentEvidence).toBe(true);
    const without = await upload(t, c);
    const withEvidence = await upload(t, c, {
      patient: { name: 'Ben', phone: uniquePhone(), consent: { method: 'verbal', at: BOOKED_AT } },
    });
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, without.id))[0]).toMatchObject({
      status: 'skipped',
      reason: 'no_consent_evidence',
      attempts: 0,
    });
    expect((await remindersOf(t, withEvidence.id))[0]).toMatchObject({ status: 'sent' });
  });

  it('is off by default: reminders go without evidence', async () => {
    const c = await createClinic(t);
    expect(c.body.requireConsentEvidence).toBe(false);
    const a = await upload(t, c);
    t.clock.set(P2D_DUE);
    await dispatcherOf(t).tick();
    expect((await remindersOf(t, a.id))[0]).toMatchObject({ status: 'sent' });
  });
});
