// Calls to the service with the session cookie. Changes carry X-Turnout-Console, which the
// service requires of cookie-authenticated changes (a cross-site form cannot send it).
export class SignedOut extends Error {}

export async function api(path, { method = 'GET', body, headers: extra = {} } = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (method !== 'GET') headers['X-Turnout-Console'] = '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) throw new SignedOut();
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const message = data && Array.isArray(data.message) ? data.message.join('; ') : res.statusText;
    throw new Error(message);
  }
  return data;
}
