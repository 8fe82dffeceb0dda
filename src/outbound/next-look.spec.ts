import {
  CLAIM_AHEAD_MS,
  FIRST_LOOK,
  claimDrained,
  heard,
  leaseSweep,
  nextDue,
  nextLook,
  nudged,
  passBegins,
  remindersClaimed,
  remindersDrained,
  textsDrained,
  type Looks,
} from './next-look';

const NOW = 1_000_000;
const SWEEP_EVERY = 5_000;

/** A pipeline that looked at NOW - 10: texts next due in 3 s, reminders in 2 s. */
const settled: Looks = {
  claimAt: 0,
  textsDueAt: NOW + 990,
  textsNextDue: NOW + 3_000,
  remindersDueAt: NOW + 990,
  remindersNextDue: NOW + 2_000,
  remindersWokenAt: Infinity,
  remindersLookedAt: NOW - 10,
  leasesSweptAt: NOW - 10,
};

describe('nextLook', () => {
  it.each<[string, Partial<Looks>, boolean, { claimTexts: boolean; claimReminders: boolean }]>([
    [
      'nothing known yet: everything',
      FIRST_LOOK,
      false,
      { claimTexts: true, claimReminders: true },
    ],
    ['nothing due: nothing', {}, false, { claimTexts: false, claimReminders: false }],
    [
      'a text due now: texts only',
      { textsDueAt: NOW },
      false,
      { claimTexts: true, claimReminders: false },
    ],
    [
      'a reminder claimable: reminders only',
      { remindersDueAt: NOW },
      false,
      { claimTexts: false, claimReminders: true },
    ],
    ['a lease sweep: reminders too', {}, true, { claimTexts: false, claimReminders: true }],
    [
      'a clock set back: reminders again',
      { remindersLookedAt: NOW + 1 },
      false,
      { claimTexts: false, claimReminders: true },
    ],
    [
      'both due: both, in one claim',
      { textsDueAt: NOW - 1, remindersDueAt: NOW - 1 },
      false,
      { claimTexts: true, claimReminders: true },
    ],
  ])('%s', (_, state, sweep, expected) => {
    const look = nextLook({ ...settled, ...state }, NOW, sweep);
    expect({ claimTexts: look.claimTexts, claimReminders: look.claimReminders }).toEqual(expected);
  });

  it('forgets the signals a look for reminders begins to answer, and keeps them otherwise', () => {
    const woken = { ...settled, remindersWokenAt: NOW + 500 };
    expect(nextLook({ ...woken, remindersDueAt: NOW }, NOW, false).looks.remindersWokenAt).toBe(
      Infinity,
    );
    expect(nextLook(woken, NOW, false).looks.remindersWokenAt).toBe(NOW + 500);
  });
});

describe('leaseSweep', () => {
  it.each<[string, number, boolean]>([
    ['never swept', Number.NEGATIVE_INFINITY, true],
    ['swept a moment ago', NOW - 10, false],
    ['swept a sweep period ago', NOW - SWEEP_EVERY, true],
    ['a clock set back by a sweep period', NOW + SWEEP_EVERY, true],
  ])('%s', (_, sweptAt, sweeps) => {
    const { sweepLeases, looks } = leaseSweep(
      { ...settled, leasesSweptAt: sweptAt },
      NOW,
      SWEEP_EVERY,
    );
    expect(sweepLeases).toBe(sweeps);
    expect(looks.leasesSweptAt).toBe(sweeps ? NOW : sweptAt);
  });
});

describe('signals', () => {
  it('a texts signal moves the texts look and the next due time, never later', () => {
    expect(heard(settled, 'texts', NOW + 5)).toMatchObject({
      textsDueAt: NOW + 5,
      textsNextDue: NOW + 5,
      remindersDueAt: settled.remindersDueAt,
    });
    expect(heard(settled, 'texts', NOW + 5_000)).toEqual(settled);
  });

  it('a reminders signal looks CLAIM_AHEAD_MS ahead and is remembered over the running look', () => {
    expect(heard(settled, 'reminders', NOW + 500)).toMatchObject({
      remindersDueAt: NOW + 500 - CLAIM_AHEAD_MS,
      remindersWokenAt: NOW + 500 - CLAIM_AHEAD_MS,
      remindersNextDue: NOW + 500,
      textsDueAt: settled.textsDueAt,
    });
  });

  it.each<[string, number, number, boolean]>([
    // [case, due in (ms), the pass claims in (ms), wakes the waiting pass]
    ['due now: claim now', 0, 0, true],
    ['inside the 50 ms lead: claim now', 40, 0, true],
    ['due in 80 ms: claim in 30', 80, 30, false],
  ])('a nudge while a pass runs, %s', (_, inMs, claimIn, wakes) => {
    const { looks, wake } = nudged({ ...settled, claimAt: 10_000 }, NOW, 500, inMs);
    expect(looks.claimAt).toBe(500 + claimIn);
    expect(looks.textsDueAt).toBe(NOW + inMs);
    expect(wake).toBe(wakes);
  });

  it('a nudge never puts a planned claim off', () => {
    expect(nudged({ ...settled, claimAt: 510 }, NOW, 500, 80).looks.claimAt).toBe(510);
  });
});

describe('a pass', () => {
  it.each<[string, boolean, number]>([
    ['run by the loop keeps what it knew of reminders', true, settled.remindersDueAt],
    ['run by hand looks for them too', false, 0],
  ])('%s', (_, signalled, remindersDueAt) => {
    expect(passBegins(settled, 700, signalled)).toMatchObject({
      claimAt: 700,
      textsDueAt: 0,
      remindersDueAt,
    });
  });

  it.each<[string, number, number]>([
    // [case, next due in (ms), claims again in (ms)]
    ['nothing known: a poll later', Infinity, 100],
    ['due in 2 s: a poll later', 2_000, 100],
    ['due in 120 ms: 50 ms before', 120, 70],
    ['due now: after the minimum gap', 0, 10],
  ])('after a claim that drained, %s', (_, dueIn, claimIn) => {
    expect(claimDrained(settled, 700, dueIn).claimAt).toBe(700 + claimIn);
  });
});

describe('after a look', () => {
  it('texts: the next one due, or a second from now at the latest', () => {
    expect(textsDrained(settled, NOW, NOW + 300)).toMatchObject({
      textsNextDue: NOW + 300,
      textsDueAt: NOW + 300,
    });
    expect(textsDrained(settled, NOW, null)).toMatchObject({
      textsNextDue: Infinity,
      textsDueAt: NOW + 1_000,
    });
  });

  it.each<[string, number | null, number, number]>([
    // [case, next due found, signalled meanwhile for, reminders looked for again at]
    ['one due in 300 ms: claimed ahead', NOW + 300, Infinity, NOW + 300 - CLAIM_AHEAD_MS],
    ['none: a second from now', null, Infinity, NOW + 1_000],
    ['a signal the look may have missed wins', NOW + 300, NOW + 20, NOW + 20],
  ])('reminders, %s', (_, found, wokenAt, dueAt) => {
    const looks = remindersDrained({ ...settled, remindersWokenAt: wokenAt }, NOW, found);
    expect(looks.remindersDueAt).toBe(dueAt);
    expect(looks.remindersNextDue).toBe(found ?? Infinity);
  });

  it('remembers when reminders were looked for', () => {
    expect(remindersClaimed(settled, NOW).remindersLookedAt).toBe(NOW);
  });

  it.each<[string, Partial<Looks>, number | null]>([
    ['the earlier of texts and reminders', {}, NOW + 2_000],
    ['a text sooner', { textsNextDue: NOW + 7 }, NOW + 7],
    ['nothing known', { textsNextDue: Infinity, remindersNextDue: Infinity }, null],
  ])('the next due time for the loop: %s', (_, state, due) => {
    expect(nextDue({ ...settled, ...state })).toBe(due);
  });
});
