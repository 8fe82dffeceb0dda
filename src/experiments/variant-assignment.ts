import { createHash } from 'node:crypto';

/** 2^52: the hash's first 52 bits are a uniform integer a double holds exactly. */
const SCALE = 2 ** 52;

/**
 * A number in [0, 1) fixed by the experiment and the appointment: SHA-256 of both ids, its
 * first 52 bits over 2^52. No state, no randomness source: every instance, before and after a
 * restart, computes the same number for the same pair.
 */
export function assignmentPoint(experimentId: string, appointmentId: string): number {
  const digest = createHash('sha256').update(`${experimentId}:${appointmentId}`).digest();
  // 6 bytes = 48 bits, then the high 4 bits of the 7th: 52 bits in all.
  return (digest.readUIntBE(0, 6) * 16 + (digest[6] >> 4)) / SCALE;
}

/** The variant index for the pair: the point placed on the cumulative weights. */
export function assignVariant(
  experimentId: string,
  appointmentId: string,
  weights: readonly number[],
): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const target = assignmentPoint(experimentId, appointmentId) * total;
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i];
    if (target < cumulative) return i;
  }
  // Only rounding in the running sum can reach here: the last variant with a weight takes it.
  return weights.findLastIndex((w) => w > 0);
}
