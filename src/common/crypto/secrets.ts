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

/**
 * Compares two secrets in time independent of where they differ and of their lengths: both sides
 * are hashed to 32 bytes first, because timingSafeEqual itself throws (fast) on a length mismatch.
 * An empty secret never matches, so an unconfigured secret cannot be "guessed" as ''.
 */
export function secretsMatch(a: string, b: string): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(digestA, digestB);
}
