/**
 * Logged URLs without secrets or phone numbers. The router matches paths case-insensitively,
 * ignores empty segments and decodes percent-escapes, so this reads paths the same way: by the
 * route's structure (the segment after `webhooks/flowroute` is the clinic's secret), never by
 * the literal text a client happened to send.
 */
const PHONE_CHARS = /^\+?[\d\s().-]+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
/**
 * Nothing to redact, known without parsing: no digit (no phone), no `%` (nothing encoded), no
 * query (no token), and no Flowroute path (its secret may be letters alone). Every request's
 * URL is redacted, logged or not (pino binds it to the request's logger), and a webhook's is
 * always of this kind.
 */
const PLAIN_PATH = /^[A-Za-z/_-]*$/;
const FLOWROUTE = /flowroute/i;

function looksLikePhone(text: string): boolean {
  const t = text.trim();
  return PHONE_CHARS.test(t) && !ISO_DATE.test(t) && t.replace(/\D/g, '').length >= 7;
}

export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (PLAIN_PATH.test(url) && !FLOWROUTE.test(url)) return url;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const segments = path.split('/');
  const words = segments.map((s) => decode(s).toLowerCase());
  const named = words.filter((w) => w !== '');
  const flowrouteSecret = named[0] === 'webhooks' && named[1] === 'flowroute' ? 2 : -1;
  let index = -1;
  const redacted = segments.map((segment, i) => {
    if (words[i] === '') return segment;
    index += 1;
    if (index === flowrouteSecret) return '[redacted]';
    return looksLikePhone(decode(segment)) ? '[phone]' : segment;
  });
  const redactedQuery = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      // a one-time console sign-in link's token
      if (decode(pair.slice(0, eq)).toLowerCase() === 'token')
        return `${pair.slice(0, eq)}=[redacted]`;
      // `+` is a space in a query, or a phone's own plus when the client did not encode it
      const value = pair.slice(eq + 1);
      return looksLikePhone(decode(value)) || looksLikePhone(decode(value.replace(/\+/g, ' ')))
        ? `${pair.slice(0, eq)}=[phone]`
        : pair;
    })
    .join('&');
  return redacted.join('/') + (q === -1 ? '' : `?${redactedQuery}`);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
