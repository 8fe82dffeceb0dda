import { SoftAuthenticator } from './soft-authenticator';
import type { TestClinic } from './factories';
import type { TestApp } from './test-app';

/** The origin e2e specs' passkeys answer from (PUBLIC_BASE_URL of startTestApp). */
export const TEST_ORIGIN = 'https://turnout.test';

export interface SignedInPerson {
  id: string;
  name: string;
  passkey: SoftAuthenticator;
  /** headers of the person's console session, for reads and changes alike */
  auth: { Cookie: string; 'X-Turnout-Console': '1' };
}

export function cookieOf(setCookie: unknown): string {
  const header = Array.isArray(setCookie) ? String(setCookie[0]) : String(setCookie);
  return header.split(';')[0];
}

export function linkToken(url: string): string {
  return new URL(url).searchParams.get('token')!;
}

/** Registers a passkey with a person's link token; the session it starts. */
export async function registerWithLink(
  t: TestApp,
  token: string,
  passkey: SoftAuthenticator,
): Promise<string> {
  const options = await t.http
    .post('/v1/console/passkeys/registration-options')
    .send({ token })
    .expect(200);
  const res = await t.http
    .post('/v1/console/passkeys/registration')
    .send({ token, response: passkey.register(options.body) })
    .expect(204);
  return cookieOf(res.headers['set-cookie']);
}

/** Signs in with a passkey; the answer (204 with a cookie, or 401). */
export async function signInWithPasskey(t: TestApp, passkey: SoftAuthenticator) {
  const options = await t.http.post('/v1/console/passkeys/sign-in-options').send({}).expect(200);
  return t.http
    .post('/v1/console/passkeys/sign-in')
    .send({ response: passkey.assert(options.body) });
}

/** A person added by `by` (the clinic key's headers or an admin's), passkey registered. */
export async function addPerson(
  t: TestApp,
  by: TestClinic | { auth: Record<string, string> },
  person: { name: string; email: string; role: 'staff' | 'admin' },
): Promise<SignedInPerson> {
  const created = await t.http.post('/v1/staff').set(by.auth).send(person).expect(201);
  const passkey = new SoftAuthenticator(TEST_ORIGIN);
  const cookie = await registerWithLink(t, linkToken(created.body.signInUrl), passkey);
  return {
    id: created.body.id,
    name: person.name,
    passkey,
    auth: { Cookie: cookie, 'X-Turnout-Console': '1' },
  };
}
