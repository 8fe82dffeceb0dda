// Passkey ceremonies with @simplewebauthn/browser (served by the console as webauthn.js, which
// defines window.SimpleWebAuthnBrowser). The server keeps only hashes of the challenges.
async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok)
    throw new Error(data && Array.isArray(data.message) ? data.message.join('; ') : res.statusText);
  return data;
}

export function passkeysSupported() {
  return Boolean(window.SimpleWebAuthnBrowser?.browserSupportsWebAuthn());
}

/** Creates a passkey with a person's link token; signed in when it resolves. */
export async function registerPasskey(token) {
  const optionsJSON = await post('/v1/console/passkeys/registration-options', { token });
  const response = await window.SimpleWebAuthnBrowser.startRegistration({ optionsJSON });
  await post('/v1/console/passkeys/registration', { token, response });
}

/** Signs in with a passkey of this device; signed in when it resolves. */
export async function signInWithPasskey() {
  const optionsJSON = await post('/v1/console/passkeys/sign-in-options', {});
  const response = await window.SimpleWebAuthnBrowser.startAuthentication({ optionsJSON });
  await post('/v1/console/passkeys/sign-in', { response });
}
