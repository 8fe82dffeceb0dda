import { createHash } from 'node:crypto';
import { createClinic, TestClinic, uniqueId } from '../support/factories';
import { SoftAuthenticator } from '../support/soft-authenticator';
import {
  addPerson,
  cookieOf,
  linkToken,
  registerWithLink,
  signInWithPasskey,
  TEST_ORIGIN,
} from '../support/staff';
import { startTestApp, TestApp } from '../support/test-app';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const email = () => `${uniqueId('p').toLowerCase()}@clinic.example`;

/**
 * People sign in as themselves (API.md, Staff accounts and audit): added by the clinic key or
 * an admin with a one-time link, a passkey registered from it, sessions of 12 hours at most
 * and 30 minutes idle, roles enforced, deactivation ending every session at once.
 */
describe('staff accounts and passkeys', () => {
  let t: TestApp;
  let clinic: TestClinic;
  beforeAll(async () => {
    t = await startTestApp();
    clinic = await createClinic(t);
  });
  afterAll(() => t.close());

  it('adds people with a one-time link; each registers a passkey, signs in, and has their role', async () => {
    const created = await t.http
      .post('/v1/staff')
      .set(clinic.auth)
      .send({ name: 'Rosa Diaz', email: email(), role: 'admin' })
      .expect(201);
    expect(created.body).toMatchObject({
      name: 'Rosa Diaz',
      role: 'admin',
      active: true,
      passkeys: 0,
    });
    expect(created.body.signInUrl).toMatch(
      /^https:\/\/turnout\.test\/console\/sign-in\?token=sl_[A-Za-z0-9_-]{43}$/,
    );
    const token = linkToken(created.body.signInUrl);
    // the link opens the passkey page; opening it spends nothing
    const page = await t.http.get(`/console/sign-in?token=${token}`).expect(200);
    expect(page.text).toContain('Create a passkey and sign in');
    expect(page.text).toContain('<script src="/console/assets/webauthn.js"></script>');
    await t.http
      .get('/console/assets/webauthn.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    // a person's link is not a plain sign-in: it needs the passkey ceremony
    const plain = await t.http.post('/console/sign-in').type('form').send({ token }).expect(303);
    expect(plain.headers.location).toBe('/console#link-expired');

    const passkey = new SoftAuthenticator(TEST_ORIGIN);
    const cookie = await registerWithLink(t, token, passkey);
    const rosa = { Cookie: cookie, 'X-Turnout-Console': '1' };
    expect((await t.http.get('/v1/console/session').set(rosa).expect(200)).body).toEqual({
      actor: 'person',
      id: created.body.id,
      name: 'Rosa Diaz',
      role: 'admin',
    });
    // the link worked once
    await t.http.post('/v1/console/passkeys/registration-options').send({ token }).expect(401);

    // signing in again with the passkey, on a fresh session
    const again = await signInWithPasskey(t, passkey);
    expect(again.status).toBe(204);
    expect(String(again.headers['set-cookie'])).toMatch(
      /^turnout_session=cs_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );

    // an admin adds a front-desk member; staff may read and reply, not administer
    const ben = await addPerson(
      t,
      { auth: rosa },
      { name: 'Ben Okafor', email: email(), role: 'staff' },
    );
    await t.http.get('/v1/appointments').set(ben.auth).expect(200);
    await t.http.get('/v1/conversations?needsAttention=true').set(ben.auth).expect(200);
    const refused = await t.http
      .post('/v1/staff')
      .set(ben.auth)
      .send({ name: 'X', email: email(), role: 'admin' })
      .expect(403);
    expect(refused.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: ['this needs the admin role'],
    });
    await t.http.get('/v1/audit').set(ben.auth).expect(403);
    await t.http.patch('/v1/clinic').set(ben.auth).send({ noShowGraceMinutes: 5 }).expect(403);

    const list = await t.http.get('/v1/staff').set(rosa).expect(200);
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual([
      'Ben Okafor',
      'Rosa Diaz',
    ]);
    expect(
      list.body.items.every(
        (p: { passkeys: number; sessions: number }) => p.passkeys === 1 && p.sessions >= 1,
      ),
    ).toBe(true);

    // nothing secret is stored as given: links, sessions, challenges are hashes
    const stored = JSON.stringify(
      await t.ds.query(
        `SELECT (SELECT json_agg(s) FROM console_sessions s) AS s,
                (SELECT json_agg(l) FROM console_sign_in_links l) AS l,
                (SELECT json_agg(c) FROM webauthn_challenges c) AS c`,
      ),
    );
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(cookie.split('=')[1]);
    const [{ n }] = await t.ds.query(
      `SELECT count(*)::int AS n FROM console_sessions WHERE token_hash = $1`,
      [sha256(cookie.split('=')[1])],
    );
    expect(n).toBe(1);
  });

  it('ends a session after 30 minutes idle and after 12 hours; deactivation signs out everywhere at once', async () => {
    const start = t.clock.now();
    const ana = await addPerson(t, clinic, { name: 'Ana Lima', email: email(), role: 'staff' });
    // used every 29 minutes, it lives on; 31 idle minutes end it
    t.clock.advance(29 * 60_000);
    await t.http.get('/v1/console/session').set(ana.auth).expect(200);
    t.clock.advance(31 * 60_000);
    await t.http.get('/v1/console/session').set(ana.auth).expect(401);

    // over the night Chicago's clocks go back (2026-11-01, 02:00 CDT -> 01:00 CST): 12 hours
    // of session are 12 elapsed hours, not 12 on the wall
    t.clock.set('2026-11-01T05:30:00Z');
    const res = await signInWithPasskey(t, ana.passkey);
    expect(res.status).toBe(204);
    const session = { Cookie: cookieOf(res.headers['set-cookie']), 'X-Turnout-Console': '1' };
    const signedInAt = t.clock.now().getTime();
    while (t.clock.now().getTime() + 25 * 60_000 < signedInAt + 12 * 3600_000) {
      t.clock.advance(25 * 60_000);
      await t.http.get('/v1/console/session').set(session).expect(200);
    }
    t.clock.set(new Date(signedInAt + 12 * 3600_000));
    await t.http.get('/v1/console/session').set(session).expect(401);

    // two devices signed in; deactivation ends both, and the passkey signs in no more
    const a = await signInWithPasskey(t, ana.passkey);
    const b = await signInWithPasskey(t, ana.passkey);
    const sessions = [a, b].map((r) => ({ Cookie: cookieOf(r.headers['set-cookie']) }));
    for (const s of sessions) await t.http.get('/v1/appointments').set(s).expect(200);
    const off = await t.http.delete(`/v1/staff/${ana.id}`).set(clinic.auth).expect(200);
    expect(off.body).toMatchObject({ active: false, sessions: 0 });
    for (const s of sessions) await t.http.get('/v1/appointments').set(s).expect(401);
    expect((await signInWithPasskey(t, ana.passkey)).status).toBe(401);
    await t.http.post(`/v1/staff/${ana.id}/sign-in-links`).set(clinic.auth).expect(409);

    // back, with a lost device: a new link registers a new passkey; the old one works too
    await t.http.patch(`/v1/staff/${ana.id}`).set(clinic.auth).send({ active: true }).expect(200);
    const link = await t.http
      .post(`/v1/staff/${ana.id}/sign-in-links`)
      .set(clinic.auth)
      .expect(201);
    const phone = new SoftAuthenticator(TEST_ORIGIN);
    await registerWithLink(t, linkToken(link.body.url), phone);
    expect((await signInWithPasskey(t, phone)).status).toBe(204);
    t.clock.set(start);
  });

  it('refuses forged, replayed and foreign passkey answers', async () => {
    const eve = await addPerson(t, clinic, { name: 'Eve Park', email: email(), role: 'staff' });
    const options = await t.http.post('/v1/console/passkeys/sign-in-options').send({}).expect(200);
    const answer = eve.passkey.assert(options.body);
    await t.http.post('/v1/console/passkeys/sign-in').send({ response: answer }).expect(204);
    // the same answer again: its challenge is spent
    await t.http.post('/v1/console/passkeys/sign-in').send({ response: answer }).expect(401);
    // signed by another key for the same credential id
    const other = new SoftAuthenticator(TEST_ORIGIN);
    const fresh = await t.http.post('/v1/console/passkeys/sign-in-options').send({}).expect(200);
    const forged = {
      ...eve.passkey.assert(fresh.body),
      response: { ...other.assert(fresh.body).response },
    };
    forged.response.userHandle = eve.passkey.assert(fresh.body).response.userHandle;
    await t.http.post('/v1/console/passkeys/sign-in').send({ response: forged }).expect(401);
    // from another origin
    const stranger = await t.http.post('/v1/console/passkeys/sign-in-options').send({}).expect(200);
    const elsewhere = new SoftAuthenticator('https://evil.example');
    (elsewhere as unknown as { credentialId: Buffer }).credentialId.set(eve.passkey.credentialId);
    await t.http
      .post('/v1/console/passkeys/sign-in')
      .send({ response: elsewhere.assert(stranger.body) })
      .expect(401);
    // a made-up challenge
    await t.http
      .post('/v1/console/passkeys/sign-in')
      .send({ response: eve.passkey.assert({ challenge: 'AAAA', rpId: 'turnout.test' }) })
      .expect(401);
  });

  it('answers bad input with a 400 naming the field', async () => {
    const bad = async (method: 'post' | 'patch', path: string, body: object, field: RegExp) => {
      const res = await t.http[method](path).set(clinic.auth).send(body).expect(400);
      expect(res.body.message.join(' ')).toMatch(field);
    };
    await bad('post', '/v1/staff', { name: '', email: 'x@y.z', role: 'staff' }, /name/);
    await bad('post', '/v1/staff', { name: 'A', email: 'not-an-email', role: 'staff' }, /email/);
    await bad('post', '/v1/staff', { name: 'A', email: email(), role: 'owner' }, /role/);
    await bad('post', '/v1/staff', { name: 'A', email: email(), role: 'staff', pin: 1 }, /pin/);
    const p = await t.http
      .post('/v1/staff')
      .set(clinic.auth)
      .send({ name: 'Dup', email: 'dup@clinic.example', role: 'staff' })
      .expect(201);
    await t.http
      .post('/v1/staff')
      .set(clinic.auth)
      .send({ name: 'Dup', email: 'DUP@clinic.example', role: 'staff' })
      .expect(409);
    await bad('patch', `/v1/staff/${p.body.id}`, { role: 'root' }, /role/);
    await bad('patch', `/v1/staff/${p.body.id}`, { active: 'no' }, /active/);
    await t.http.patch('/v1/staff/not-a-uuid').set(clinic.auth).send({ role: 'admin' }).expect(404);
    const anon = await t.http
      .post('/v1/console/passkeys/registration-options')
      .send({ token: 'x' })
      .expect(400);
    expect(anon.body.message.join(' ')).toMatch(/token/);
    const noAnswer = await t.http
      .post('/v1/console/passkeys/sign-in')
      .send({ response: 'x' })
      .expect(400);
    expect(noAnswer.body.message.join(' ')).toMatch(/response/);
    // malformed answers are refused, never a 500
    await t.http.post('/v1/console/passkeys/sign-in').send({ response: {} }).expect(401);
    await t.http
      .post('/v1/console/passkeys/sign-in')
      .send({ response: { id: 'abc', response: { clientDataJSON: '!!' } } })
      .expect(401);
  });

  it('keeps one clinic’s people from another', async () => {
    const other = await createClinic(t);
    const theirs = await addPerson(t, other, {
      name: 'Other Admin',
      email: email(),
      role: 'admin',
    });
    const mine = await t.http.get('/v1/staff').set(clinic.auth).expect(200);
    expect(mine.body.items.map((p: { id: string }) => p.id)).not.toContain(theirs.id);
    await t.http.delete(`/v1/staff/${theirs.id}`).set(clinic.auth).expect(404);
    await t.http.post(`/v1/staff/${theirs.id}/sign-in-links`).set(clinic.auth).expect(404);
    const seen = await t.http.get('/v1/clinic').set(theirs.auth).expect(200);
    expect(seen.body.id).toBe(other.id);
  });
});
