import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Injection token: this instance's name in the `leased_by` of every due-work claim. */
export const INSTANCE_ID = Symbol('INSTANCE_ID');

/** Host and pid say where to look; the random part tells apart two apps in one process. */
export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}
