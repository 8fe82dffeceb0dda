/**
 * When the outbound pipeline looks for due work: the one timing rule of its pass, pure. The
 * dispatcher keeps a `Looks` value and replaces it only through these functions; the due-work
 * loop decides when a pass runs, these decide what a pass's next claim looks for and when.
 * Domain ms (the Clock) unless a field says Pacer ms.
 */
export interface Looks {
  /** Pacer ms at which the running pass claims again; moved sooner by `nudged` */
  claimAt: number;
  /** from when producers' texts may be due (they also signal: `heard`) */
  textsDueAt: number;
  /** the earliest due text the last look found, or a signal told of */
  textsNextDue: number;
  /** from when reminders may be claimable (claimed up to CLAIM_AHEAD_MS ahead) */
  remindersDueAt: number;
  /** the earliest due reminder the last look found, or a signal told of */
  remindersNextDue: number;
  /**
   * The earliest `remindersDueAt` signals asked for since the running look began: kept over
   * what that look finds, which may have missed what they signal.
   */
  remindersWokenAt: number;
  /** the last look for reminders: a clock set back (tests) looks again */
  remindersLookedAt: number;
  /** the last claim that also took work whose lease ran out */
  leasesSweptAt: number;
}

/**
 * Reminders due up to this far ahead are claimed with those due now and held until their time
 * (decided for that time, their message rows written meanwhile): the claim's and the insert's
 * round trips are made before a reminder is due, not between its due time and its send. A claim
 * is made when the next reminder is half this far ahead, so each is taken 50 to 100 ms before its
 * time, well inside its lease. Producers' texts are due when written: not taken ahead.
 */
export const CLAIM_AHEAD_MS = 100;
/** how far ahead of a due time the due-work loop starts the pass, and a pass claims */
export const CLAIM_LEAD_MS = CLAIM_AHEAD_MS / 2;
/**
 * Between two claims that found little: texts due a few milliseconds apart go together, so a
 * steady trickle costs a claim per batch, not one per text, for at most this much lateness.
 */
const MIN_CLAIM_GAP_MS = 10;
/** while a pass runs, it looks for due work at least this often (Pacer ms) */
export const PASS_POLL_MS = 100;
/** Producers wake the pipeline; should a signal be lost, their texts are looked for this often. */
const TEXTS_POLL_MS = 1_000;
/**
 * Reminders' planners signal on their own kind; between signalled looks, reminders are looked for
 * when the next one known may be claimed, or this often should a signal be lost. A text's wake-up
 * then costs no reminder claim.
 */
const REMINDERS_POLL_MS = 1_000;

/** Nothing known yet: the first claim looks for everything and sweeps leases. */
export const FIRST_LOOK: Looks = {
  claimAt: 0,
  textsDueAt: 0,
  textsNextDue: Infinity,
  remindersDueAt: 0,
  remindersNextDue: Infinity,
  remindersWokenAt: Infinity,
  remindersLookedAt: Number.NEGATIVE_INFINITY,
  leasesSweptAt: Number.NEGATIVE_INFINITY,
};

/** A signal of `kind` said something is due at `at`. */
export function heard(looks: Looks, kind: 'texts' | 'reminders', at: number): Looks {
  if (kind === 'texts') {
    return {
      ...looks,
      textsDueAt: Math.min(looks.textsDueAt, at),
      textsNextDue: Math.min(looks.textsNextDue, at),
    };
  }
  return {
    ...looks,
    remindersDueAt: Math.min(looks.remindersDueAt, at - CLAIM_AHEAD_MS),
    remindersWokenAt: Math.min(looks.remindersWokenAt, at - CLAIM_AHEAD_MS),
    remindersNextDue: Math.min(looks.remindersNextDue, at),
  };
}

/**
 * The loop was woken while the pass runs, for `inMs` from now: the pass claims then (CLAIM_LEAD_MS
 * ahead); `wake` when that is now, so the pass stops waiting.
 */
export function nudged(
  looks: Looks,
  now: number,
  pacerNow: number,
  inMs: number,
): { looks: Looks; wake: boolean } {
  const claimIn = Math.max(0, inMs - CLAIM_LEAD_MS);
  return {
    looks: {
      ...looks,
      claimAt: Math.min(looks.claimAt, pacerNow + claimIn),
      textsDueAt: Math.min(looks.textsDueAt, now + inMs),
      textsNextDue: Math.min(looks.textsNextDue, now + inMs),
    },
    wake: claimIn === 0,
  };
}

/**
 * A pass begins: it claims at once and looks for texts. One the due-work loop runs (`signalled`)
 * keeps what it knew of reminders, since their signals keep it told; any other looks for them too.
 */
export function passBegins(looks: Looks, pacerNow: number, signalled: boolean): Looks {
  return {
    ...looks,
    claimAt: pacerNow,
    textsDueAt: 0,
    remindersDueAt: signalled ? looks.remindersDueAt : 0,
  };
}

/**
 * Whether a claim made at `now` also takes work whose lease ran out: leases run out only when an
 * instance dies, so every few seconds is enough. (A clock set back, as tests do, counts as time
 * passing.)
 */
export function leaseSweep(
  looks: Looks,
  now: number,
  everyMs: number,
): { sweepLeases: boolean; looks: Looks } {
  const sweepLeases = Math.abs(now - looks.leasesSweptAt) >= everyMs;
  return { sweepLeases, looks: sweepLeases ? { ...looks, leasesSweptAt: now } : looks };
}

export interface Look {
  /** producers' texts: when some may be due (answers never wait behind a reminder claim) */
  claimTexts: boolean;
  /** reminders: when one known may be claimed, signalled, on a lease sweep, or every second */
  claimReminders: boolean;
  /** the state once this look has begun */
  looks: Looks;
}

/** What a claim made at `now` (after its lease sweep, if any) looks for. */
export function nextLook(looks: Looks, now: number, sweepLeases: boolean): Look {
  const claimTexts = now >= looks.textsDueAt;
  const claimReminders =
    sweepLeases || now >= looks.remindersDueAt || now < looks.remindersLookedAt;
  return {
    claimTexts,
    claimReminders,
    looks: claimReminders ? { ...looks, remindersWokenAt: Infinity } : looks,
  };
}

/** A look for reminders begun at `now` came back. */
export function remindersClaimed(looks: Looks, now: number): Looks {
  return { ...looks, remindersLookedAt: now };
}

/** A look for texts begun at `now` found less than a batch; the next due text is `nextDue`. */
export function textsDrained(looks: Looks, now: number, nextDue: number | null): Looks {
  const textsNextDue = nextDue ?? Infinity;
  return {
    ...looks,
    textsNextDue,
    textsDueAt: Math.min(textsNextDue, now + TEXTS_POLL_MS),
  };
}

/** A look for reminders begun at `now` found less than a batch; the next due one is `nextDue`. */
export function remindersDrained(looks: Looks, now: number, nextDue: number | null): Looks {
  const remindersNextDue = nextDue ?? Infinity;
  return {
    ...looks,
    remindersNextDue,
    remindersDueAt: Math.min(
      remindersNextDue - CLAIM_AHEAD_MS,
      now + REMINDERS_POLL_MS,
      looks.remindersWokenAt,
    ),
  };
}

/** The earliest due work known (null: none), for the due-work loop. */
export function nextDue(looks: Looks): number | null {
  const due = Math.min(looks.remindersNextDue, looks.textsNextDue);
  return Number.isFinite(due) ? due : null;
}

/**
 * A claim found less than a batch: the pass claims again CLAIM_LEAD_MS before `dueIn` (ms from
 * now, Infinity: nothing known), no sooner than MIN_CLAIM_GAP_MS and no later than PASS_POLL_MS.
 */
export function claimDrained(looks: Looks, pacerNow: number, dueIn: number): Looks {
  const claimIn = Math.min(PASS_POLL_MS, Math.max(MIN_CLAIM_GAP_MS, dueIn - CLAIM_LEAD_MS));
  return { ...looks, claimAt: pacerNow + claimIn };
}
