import { createHash } from 'node:crypto';
import { createClinic, TestClinic } from '../support/factories';
import { cookieOf, startTestApp, TestApp } from '../support/test-app';

/** POST /v1/console/sign-in-links: a link that opens the console signed in, once. */
describe('console sign-in links', () => {
  let t: TestApp;
  let clinic: TestClinic;
  beforeAll(async () => {
    t = await startTestApp();
    clinic = await createClinic(t);
  });
  afterAll(() => t.close());

  async function link(): Promise<{ url: string; path: string; token: string }> {
    const res = await t.http.post('/v1/console/sign-in-links').set(clinic.auth).expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Date.parse(res.body.expiresAt) - t.clock.now().getTime()).toBe(15 * 60_000);
    const url = new URL(res.body.url as string);
    return {
      url: res.body.url,
      path: `${url.pathname}${url.search}`,
      token: url.searchParams.get('token')!,
    };
  }

  function use(token: string) {
    return t.http.post('/console/sign-in').type('form').send({ token });
  }

  it('opens a page that spends nothing; its button signs in once; stores only a hash', async () => {
    const { url, path, token } = await link();
    expect(url).toMatch(/^https:\/\/turnout\.test\/console\/sign-in\?token=sl_[A-Za-z0-9_-]{43}$/);
    const stored: { token_hash: string }[] = await t.ds.query(
      `SELECT token_hash FROM console_sign_in_links WHERE clinic_id = $1`,
      [clinic.id],
    );
    expect(stored.map((r) => r.token_hash)).toContain(
      createHash('sha256').update(token).digest('hex'),
    );

    // Opening the link (what a mail scanner or a chat preview does) spends nothing.
    for (let i = 0; i < 2; i++) {
      const page = await t.http.get(path).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['set-cookie']).toBeUndefined();
      expect(page.text).toContain('<form method="post" action="/console/sign-in">');
      expect(page.text).toContain(`name="token" value="${token}"`);
    }

    const first = await use(token).expect(303);
    expect(first.headers.location).toBe('/console');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(String(first.headers['set-cookie'])).toMatch(
      /^turnout_session=cs_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    const cookie = cookieOf(first.headers['set-cookie']);
    const me = await t.http.get('/v1/clinic').set('Cookie', cookie).expect(200);
    expect(me.body.id).toBe(clinic.id);

    const again = await use(token).expect(303);
    expect(again.headers.location).toBe('/console#link-expired');
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('expires after 15 minutes; a made-up or missing token signs nobody in', async () => {
    const { token } = await link();
    t.clock.advance(15 * 60_000);
    const late = await use(token).expect(303);
    expect(late.headers.location).toBe('/console#link-expired');
    expect(late.headers['set-cookie']).toBeUndefined();
    for (const bad of [
      '/console/sign-in',
      '/console/sign-in?token=sl_nope',
      '/console/sign-in?token=x&token=y',
      '/console/sign-in?token=%22%3E%3Cscript%3E',
    ]) {
      const res = await t.http.get(bad).expect(303);
      expect(res.headers.location).toBe('/console#link-expired');
    }
    for (const bad of ['', 'token=sl_nope', 'token=x&token=y', `token=${'sl_'.padEnd(46, 'a')}`]) {
      const res = await t.http.post('/console/sign-in').type('form').send(bad).expect(303);
      expect(res.headers.location).toBe('/console#link-expired');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('needs the clinic key; a console session needs its header, like every change', async () => {
    await t.http.post('/v1/console/sign-in-links').expect(401);
    const session = await t.http
      .post('/v1/console/session')
      .send({ apiKey: clinic.apiKey })
      .expect(204);
    const cookie = cookieOf(session.headers['set-cookie']);
    await t.http.post('/v1/console/sign-in-links').set('Cookie', cookie).expect(403);
    await t.http
      .post('/v1/console/sign-in-links')
      .set('Cookie', cookie)
      .set('X-Turnout-Console', '1')
      .expect(201);
  });
});
