import { createHmac } from 'node:crypto';

/**
 * `Turnout-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed by the
 * clinic's webhook secret (the Stripe scheme, which receivers already know how to check). The
 * timestamp inside the signed text lets a receiver refuse replays of an old event.
 */
export function calendarSignature(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}
