import type { AppConfig } from '../../config/app-config';
import type { DuePass } from './due-work-loop';

/**
 * The safety-net poll of a loop whose pass knows its next due time (`safetyPollMs`): a lost
 * signal (the listener reconnecting wakes every loop anyway) or work no one signals and no
 * pass foresaw waits at most this long.
 */
export const SAFETY_POLL_MS = 60_000;

/** Metadata key of a method registered as the pass of a kind of due work. */
export const DUE_WORK = Symbol('DUE_WORK');

type IntervalSetting = {
  [K in keyof AppConfig]: AppConfig[K] extends number ? K : never;
}[keyof AppConfig];

/**
 * A kind of due work, as its pass method declares it (`@DueWork({...})`); the DueWorkRunner
 * makes one DueWorkLoop of it per instance, starts it at bootstrap and stops it on shutdown.
 */
export interface DueWorkRegistration<T = unknown> {
  /** the loop's name in logs */
  name: string;
  /**
   * The signals that wake it: producers call `DueSignals.notify(m, kind, at)` (or write
   * `DueSignals.wake(kind, at)` with their row). None: it sleeps until its pass's next due time.
   */
  kinds?: readonly string[];
  /** the setting whose milliseconds are the safety-net poll; 0 turns the loop off (tests) */
  poll: IntervalSetting;
  /**
   * For a pass that knows when it is next due: every producer of its work signals one of its
   * `kinds`, and what no one signals is due at a time the pass reads from its data and returns.
   * The loop then sleeps until that time or a signal, and looks unprompted only this often (the
   * `poll` setting when that is longer): a long safety net (SAFETY_POLL_MS) instead of a short
   * one. Without it the loop looks every `poll` whatever its pass returns.
   */
  safetyPollMs?: number;
  /** at least this long between two passes started by due times, so a trickle is batched */
  minGapMs?: number;
  /** how far ahead of a due time the pass runs (work taken ahead and held to its time) */
  leadMs?: number;
  /** told which of its `kinds` woke it, before the wake */
  heard?: (worker: T, kind: string, at?: Date) => void;
  /** woken while its pass runs (see DueWorkLoopOptions.nudge) */
  nudge?: (worker: T, at: Date) => void;
  /** shutting down: called before the loop is stopped and its running pass awaited */
  stopping?: (worker: T) => void;
}

/**
 * Registers the decorated method as the pass of a kind of due work: it does what is due now
 * and returns when more is due next (null: nothing known). A new kind of due work is this
 * decorator on one method of its service.
 */
export function DueWork<T>(registration: DueWorkRegistration<T>) {
  return (
    _target: T,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<DuePass>,
  ): TypedPropertyDescriptor<DuePass> => {
    Reflect.defineMetadata(DUE_WORK, registration, descriptor.value as object);
    return descriptor;
  };
}
