import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in time independent of where they differ and of their lengths: both sides
 * are hashed to 32 bytes first, because timingSafeEqual itself throws (fast) on a length mismatch.
 * An empty expected secret never matches, so an unconfigured secret cannot be "guessed" as ''.
 */
export function secretsMatch(a: string, b: string): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(digestA, digestB);
}
