import type { SlotGrant, SlotReturn } from './sender-budget.repository';

/**
 * A sender fast enough to have several slots in this window gets, with its wave's slots, the
 * rest of the window's as spare ones this instance keeps for its next waves; while it keeps
 * using them, they are renewed half a window before they run out, together with every other
 * sender's in the statement a wave makes anyway. So a burst locks one budget row per half
 * window of a sender rather than one per wave it appears in, and most waves need no statement.
 *
 * Spare slots are the sender's real time, handed out once, so the cap holds across instances
 * as before. One not used by its time is lost (a text never takes a slot that has passed); what
 * is left when the pipeline goes idle is handed back if no one reserved after (`drain`). So at
 * most a window of a sender's time is lost to the other instances when an instance dies (or
 * another reserved after its spare slots), and only for a sender with two slots or more in a
 * window: a sender at 1/s (the default) or 10/s gets no spare slot and reserves as before.
 */
export const SPARE_WINDOW_MS = 200;
/** The most spare slots kept for one sender (a very fast sender: a window's are plenty). */
const MAX_SPARE = 200;

/** Spare slots to ask with `wanted` ones: the rest of a window's, none for a slow sender. */
export function spareFor(intervalMs: number, wanted: number): number {
  return Math.max(0, Math.min(MAX_SPARE, Math.floor(SPARE_WINDOW_MS / intervalMs) - wanted));
}

/** `count` slots of one grant from `atMs` (Pacer), its interval apart. */
interface Run {
  grant: SlotGrant;
  atMs: number;
  count: number;
}

interface Sender {
  /** oldest grant first; the latest stays listed when used up, for `drain` */
  runs: Run[];
  /** Pacer time a slot of this sender was last wanted */
  wantedAt: number;
}

/** The spare slots this instance holds, by sender key. Not shared: one pipeline's. */
export class SpareSlots {
  private readonly senders = new Map<string, Sender>();

  /** Up to `wanted` slots of the sender from `now` on, the earliest first; taken. */
  take(key: string, wanted: number, now: number): number[] {
    const sender = this.senders.get(key);
    if (!sender) return [];
    sender.wantedAt = now;
    const taken: number[] = [];
    const runs = sender.runs;
    while (runs.length > 0 && taken.length < wanted) {
      const run = runs[0];
      const interval = run.grant.intervalMs;
      // Slots whose time has passed are lost: sending late on one could crowd the next.
      if (run.atMs < now) {
        const lapsed = Math.min(run.count, Math.ceil((now - run.atMs) / interval));
        run.atMs += lapsed * interval;
        run.count -= lapsed;
      }
      while (run.count > 0 && taken.length < wanted) {
        taken.push(run.atMs);
        run.atMs += interval;
        run.count -= 1;
      }
      if (run.count === 0 && runs.length > 1) runs.shift();
      else break;
    }
    return taken;
  }

  /** Keeps `count` slots of `grant` from `atMs` on. */
  keep(key: string, grant: SlotGrant, atMs: number, count: number, now: number): void {
    if (count <= 0) return;
    const sender = this.senders.get(key) ?? { runs: [], wantedAt: now };
    sender.runs.push({ grant, atMs, count });
    sender.runs.sort((a, b) => a.atMs - b.atMs);
    this.senders.set(key, sender);
  }

  /**
   * Senders still in use (a slot wanted within the window) whose slots run out within half a
   * window: to renew with a statement made anyway. `except`: those the statement asks for.
   */
  toRenew(now: number, except: Set<string>): SlotGrant[] {
    const renew: SlotGrant[] = [];
    for (const [key, { runs, wantedAt }] of this.senders) {
      if (except.has(key) || now - wantedAt > SPARE_WINDOW_MS) continue;
      const last = runs[runs.length - 1];
      const endsAt = last.atMs + last.count * last.grant.intervalMs;
      if (endsAt < now + SPARE_WINDOW_MS / 2) renew.push(last.grant);
    }
    return renew;
  }

  /** Forgets every spare slot; returns what each sender's latest grant has left, to hand back. */
  drain(): SlotReturn[] {
    const returns: SlotReturn[] = [];
    for (const { runs } of this.senders.values()) {
      // Only the latest grant can be where its sender's budget stands.
      const last = runs[runs.length - 1];
      if (last.count > 0) returns.push({ ...last.grant, unused: last.count });
    }
    this.senders.clear();
    return returns;
  }
}
