import { createHmac } from 'node:crypto';

/**
 * Twilio's published request signature (X-Twilio-Signature): base64 HMAC-SHA1 keyed by the auth
 * token over the URL followed by each POST parameter, names sorted, as name + value. Written from
 * Twilio's documentation rather than imported from src/, so that a bench signs its webhooks as
 * Twilio does, not as the service under test happens to check them.
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
): string {
  let data = url;
  for (const name of Object.keys(params).sort()) data += name + params[name];
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}
