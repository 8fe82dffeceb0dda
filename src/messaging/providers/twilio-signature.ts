import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio's request signature (X-Twilio-Signature): base64 HMAC-SHA1 keyed by the auth token over
 * the URL Twilio called followed by every POST parameter, names sorted, as name + value (a
 * repeated name contributes each distinct value, sorted). Written here instead of importing the
 * `twilio` package (21 MB, whose validator is only reachable through an internal path) for this
 * one function; the spec proves it against Twilio's published test vector and the vectors the
 * package itself computes.
 */
export type TwilioParams = Record<string, string | readonly string[]>;

export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    const values = typeof value === 'string' ? [value] : [...new Set(value)].sort();
    for (const item of values) data += name + item;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Twilio signs the URL as it was configured, with or without the scheme's default port, and a
 * proxy in front of us may add or drop it, so both spellings are accepted, as Twilio's own
 * validator does.
 */
export function isValidTwilioSignature(
  authToken: string,
  signature: string,
  url: string,
  params: TwilioParams,
): boolean {
  const given = Buffer.from(signature);
  return urlSpellings(url).some((candidate) => {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** Every webhook of a route is signed over the same URL: its spellings are worked out once. */
let lastSpellings: { url: string; spellings: string[] } | undefined;

function urlSpellings(url: string): string[] {
  if (lastSpellings?.url !== url) lastSpellings = { url, spellings: spellingsOf(url) };
  return lastSpellings.spellings;
}

function spellingsOf(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match;
  const at = authority.lastIndexOf('@');
  const userInfo = authority.slice(0, at + 1);
  const hostAndPort = authority.slice(at + 1);
  // In an IPv6 literal the port's colon comes after the closing bracket.
  const colon = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  const host = colon === -1 ? hostAndPort : hostAndPort.slice(0, colon);
  const defaultPort = scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  const withoutPort = scheme + userInfo + host + rest;
  const withPort = colon === -1 ? scheme + userInfo + host + defaultPort + rest : url;
  return [...new Set([url, withoutPort, withPort])];
}
