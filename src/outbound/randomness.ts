import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Clock } from '../common/clock/clock';

/** The randomness port of the dispatcher: message ids and retry jitter. Tests may pin it. */
export abstract class Randomness {
  abstract uuid(): string;
  /** a number in [0, 1) */
  abstract fraction(): number;
}

/** Random bytes drawn from the CSPRNG in blocks: one call per 400 ids rather than one per id. */
const POOL_BYTES = 4_000;
let pool = Buffer.alloc(0);
let taken = POOL_BYTES;

function tenRandomBytes(): Buffer {
  if (taken + 10 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    taken = 0;
  }
  taken += 10;
  return pool.subarray(taken - 10, taken);
}

/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids made close
 * in time sort close together, so a busy dispatcher's inserts land at the right edge of the
 * primary-key index instead of on a random page of it.
 */
export function uuidV7(ms: number, random: Buffer = tenRandomBytes()): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Math.max(0, Math.floor(ms)) % 2 ** 48, 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

@Injectable()
export class SystemRandomness extends Randomness {
  constructor(private readonly clock: Clock) {
    super();
  }

  uuid(): string {
    return uuidV7(this.clock.now().getTime());
  }

  fraction(): number {
    return Math.random();
  }
}
