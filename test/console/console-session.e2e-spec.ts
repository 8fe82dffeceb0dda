import { createHash } from 'node:crypto';
import { upload } from '../support/dispatch-helpers';
import { createClinic, TestClinic } from '../support/factories';
import { cookieOf, startTestApp, TestApp } from '../support/test-app';

describe('staff console session', () => {
  let t: TestApp;
  let clinic: TestClinic;
  beforeAll(async () => {
    t = await startTestApp();
    clinic = await createClinic(t);
  });
  afterAll(() => t.close());

  function signIn(apiKey = clinic.apiKey) {
    return t.http.post('/v1/console/session').send({ apiKey });
  }

  it('trades the API key for an HttpOnly, SameSite=Strict, 12-hour cookie; stores only a hash', async () => {
    const res = await signIn().expect(204);
    const setCookie = res.headers['set-cookie'] as unknown as string[];
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(
      /^turnout_session=cs_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    const token = cookieOf(setCookie).split('=')[1];
    const rows: { token_hash: string; clinic_id: string; ms: string }[] = await t.ds.query(
      `SELECT token_hash, clinic_id, extract(epoch FROM expires_at - created_at) * 1000 AS ms
       FROM console_sessions WHERE clinic_id = $1`,
      [clinic.id],
    );
    expect(rows.map((r) => r.token_hash)).toContain(
      createHash('sha256').update(token).digest('hex'),
    );
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows.every((r) => Number(r.ms) === 12 * 3_600_000)).toBe(true);
  });

  it('marks the cookie Secure behind an HTTPS proxy', async () => {
    const res = await t.http
      .post('/v1/console/session')
      .set('X-Forwarded-Proto', 'https')
      .send({ apiKey: clinic.apiKey })
      .expect(204);
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure$/);
  });

  it('reads with the cookie alone, for its own clinic only', async () => {
    const cookie = cookieOf((await signIn()).headers['set-cookie']);
    const mine = await upload(t, clinic);
    const other = await createClinic(t);
    const theirs = await upload(t, other);
    await t.http.get('/v1/clinic').set('Cookie', cookie).expect(200);
    await t.http.get(`/v1/appointments/${mine.id}`).set('Cookie', cookie).expect(200);
    await t.http.get(`/v1/appointments/${theirs.id}`).set('Cookie', cookie).expect(404);
    await t.http
      .get('/v1/reports/no-shows?from=2026-12-01&to=2026-12-02')
      .set('Cookie', cookie)
      .expect(200);
  });

  it('refuses a change made with the cookie but without the console header (CSRF)', async () => {
    const cookie = cookieOf((await signIn()).headers['set-cookie']);
    const a = await upload(t, clinic);
    const refused = await t.http
      .patch(`/v1/appointments/${a.id}`)
      .set('Cookie', cookie)
      .send({ status: 'cancelled' })
      .expect(403);
    expect(refused.body.message).toEqual([
      'changes made with the console session need x-turnout-console: 1',
    ]);
    const view = await t.http.get(`/v1/appointments/${a.id}`).set(clinic.auth).expect(200);
    expect(view.body.status).toBe('scheduled');
    await t.http
      .patch(`/v1/appointments/${a.id}`)
      .set('Cookie', cookie)
      .set('X-Turnout-Console', '1')
      .send({ status: 'cancelled' })
      .expect(200);
  });

  it('refuses a wrong key (401) and a missing one (400)', async () => {
    await signIn('tk_not-a-key').expect(401);
    await signIn('whsec_x').expect(401);
    const res = await t.http.post('/v1/console/session').send({}).expect(400);
    expect(res.body.message.join(' ')).toMatch(/apiKey/);
  });

  it('signs out: the cookie is cleared and no longer works', async () => {
    const cookie = cookieOf((await signIn()).headers['set-cookie']);
    const out = await t.http.delete('/v1/console/session').set('Cookie', cookie).expect(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^turnout_session=; .*Max-Age=0/);
    await t.http.get('/v1/clinic').set('Cookie', cookie).expect(401);
  });

  it('expires after 12 hours', async () => {
    const cookie = cookieOf((await signIn()).headers['set-cookie']);
    t.clock.advance(12 * 3_600_000 - 1000);
    await t.http.get('/v1/clinic').set('Cookie', cookie).expect(200);
    t.clock.advance(1000);
    await t.http.get('/v1/clinic').set('Cookie', cookie).expect(401);
  });

  it('serves the console page and its files, and nothing else from disk', async () => {
    const page = await t.http.get('/console').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="/console/assets/app.js"></script>');
    expect(page.text).not.toMatch(/<script>|<style>|style="/);
    const js = await t.http.get('/console/assets/app.js').expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    await t.http.get('/console/assets/console.css').expect(200);
    await t.http.get('/console/assets/package.json').expect(404);
    await t.http.get('/console/assets/..%2F..%2Fpackage.json').expect(404);
    await t.http.get('/console/assets/index.html').expect(404);
  });
});
