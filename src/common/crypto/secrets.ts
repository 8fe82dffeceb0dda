import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The randomness port: API keys and secrets come from here so tests could pin them. */
@Injectable()
export class Secrets {
  token(prefix: string, bytes = 32): string {
    return `${prefix}${randomBytes(bytes).toString('base64url')}`;
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Constant-time equality that does not leak the length of either side. */
export function constantTimeEquals(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}
