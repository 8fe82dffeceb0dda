import type { AppConfig } from '../../config/app-config';
import type { Pacer } from './pacer';
import type {
  SenderBudgetRepository,
  SlotGrant,
  SlotRequest,
  SlotReturn,
} from './sender-budget.repository';
import type { SenderHealth } from './sender-health';
import { intervalMsFor, SLOT_HORIZON_MS, SlotReserver, type Sender } from './slot-reserver';
import { spareFor, SPARE_WINDOW_MS } from './spare-slots';

const A: Sender = { providerType: 'twilio', senderNumber: '+13125550100', ratePerSecond: 2 };
const B: Sender = { providerType: 'twilio', senderNumber: '+13125550101', ratePerSecond: 1000 };

function reserver(
  answer: (r: SlotRequest) => Omit<SlotGrant, 'providerType' | 'senderNumber' | 'freeAt'>,
  admit: SenderHealth['admit'] = (_sender, wanted) => ({ allowed: wanted, retryInMs: 0 }),
) {
  const requests: SlotRequest[][] = [];
  const returned: SlotReturn[][] = [];
  const budgets = {
    reserve: (batch: SlotRequest[], horizon: number, _answers: number, spare: number) => {
      expect(horizon).toBe(SLOT_HORIZON_MS);
      expect(spare).toBe(SPARE_WINDOW_MS);
      requests.push(batch);
      return Promise.resolve(
        batch.map((r) => ({ ...r, freeAt: `grant ${requests.length}`, ...answer(r) })),
      );
    },
    giveBack: (returns: SlotReturn[]) => {
      returned.push(returns);
      return Promise.resolve(returns.length);
    },
  } as unknown as SenderBudgetRepository;
  const clock = { now: 1_000 };
  const pacer = { elapsedMs: () => clock.now } as Pacer;
  const config = { sendRateMarginMs: 100 } as AppConfig;
  const health = { admit } as SenderHealth;
  return { slots: new SlotReserver(budgets, pacer, config, health), requests, returned, clock };
}

describe('intervalMsFor', () => {
  it('spaces a sender’s texts a second plus the margin apart, divided by its rate', () => {
    expect(intervalMsFor(1, 100)).toBe(1_100);
    expect(intervalMsFor(2, 100)).toBe(550);
    expect(intervalMsFor(1000, 100)).toBeCloseTo(1.1);
  });
});

describe('SlotReserver', () => {
  it('asks once per wave, grouped by sender, and spaces the slots of each sender', async () => {
    const { slots, requests } = reserver((r) => ({
      granted: r.wanted,
      intervalMs: r.intervalMs,
      firstInMs: 5,
      freeInMs: 5 + r.wanted * r.intervalMs,
    }));
    const result = await slots.reserve([B, A, B]);
    expect(requests).toHaveLength(1);
    expect(requests[0].map((r) => [r.senderNumber, r.wanted, r.intervalMs, r.spare])).toEqual([
      [B.senderNumber, 2, 1.1, spareFor(1.1, 2)],
      [A.senderNumber, 1, 550, 0],
    ]);
    expect(result).toEqual([
      { granted: true, atMs: 1_005 },
      { granted: true, atMs: 1_005 },
      { granted: true, atMs: 1_006.1 },
    ]);
  });

  it('tells the messages it could not place when their sender is free, one interval apart', async () => {
    const { slots } = reserver((r) => ({
      granted: 1,
      intervalMs: r.intervalMs,
      firstInMs: 0,
      freeInMs: r.intervalMs,
    }));
    const result = await slots.reserve([A, A, A]);
    expect(result).toEqual([
      { granted: true, atMs: 1_000 },
      { granted: false, freeInMs: 550 },
      { granted: false, freeInMs: 1_100 },
    ]);
  });
});

describe('SlotReserver with a sender whose provider is failing', () => {
  it('asks the database for no slot while the circuit is open, and for one (the probe) after', async () => {
    let allowed = 0;
    const { slots, requests } = reserver(
      (r) => ({ granted: r.wanted, intervalMs: r.intervalMs, firstInMs: 0, freeInMs: 1 }),
      (sender, wanted) =>
        sender.endsWith(A.senderNumber)
          ? { allowed, retryInMs: 4_000 }
          : { allowed: wanted, retryInMs: 0 },
    );
    expect(await slots.reserve([A, A, B])).toEqual([
      { granted: false, freeInMs: 4_000 },
      { granted: false, freeInMs: 4_000 },
      { granted: true, atMs: 1_000 },
    ]);
    expect(requests[0].map((r) => [r.senderNumber, r.wanted])).toEqual([[B.senderNumber, 1]]);
    allowed = 1;
    const probe = await slots.reserve([A, { ...A, answer: true }]);
    expect(requests[1].map((r) => [r.senderNumber, r.wanted, r.answers])).toEqual([
      [A.senderNumber, 1, 1],
    ]);
    // the answer goes first: it is the probe
    expect(probe[1]).toEqual({ granted: true, atMs: 1_000 });
    expect(probe[0]).toEqual({ granted: false, freeInMs: 4_000 });
  });
});

describe('SlotReserver spare slots of a fast sender', () => {
  // B at 1,000/s: 1.1 ms apart; the database grants what is asked, spare slots included.
  const grantAll = (r: SlotRequest) => ({
    granted: r.wanted + (r.spare ?? 0),
    intervalMs: r.intervalMs,
    firstInMs: 0,
    freeInMs: (r.wanted + (r.spare ?? 0)) * r.intervalMs,
  });

  it('asks a window’s worth of slots for a fast sender and none spare for a slow one', () => {
    expect(spareFor(1.1, 2)).toBe(Math.floor(SPARE_WINDOW_MS / 1.1) - 2);
    expect(spareFor(1.1, 200)).toBe(0);
    expect(spareFor(0.01, 1)).toBe(200);
    expect(spareFor(intervalMsFor(1, 100), 1)).toBe(0);
    expect(spareFor(intervalMsFor(10, 100), 1)).toBe(0);
  });

  it('serves the next waves from the spare slots, in order, without a statement', async () => {
    const { slots, requests, clock } = reserver(grantAll);
    expect(await slots.reserve([B, B])).toEqual([
      { granted: true, atMs: 1_000 },
      { granted: true, atMs: 1_001.1 },
    ]);
    expect(await slots.reserve([B, A])).toEqual([
      { granted: true, atMs: 1_002.2 },
      { granted: true, atMs: 1_000 },
    ]);
    // only A had to be asked for
    expect(requests.map((batch) => batch.map((r) => r.senderNumber))).toEqual([
      [B.senderNumber],
      [A.senderNumber],
    ]);
    clock.now = 1_010;
    const later = await slots.reserve([B]);
    // the slots whose time passed are skipped, never used late
    expect(later[0]).toEqual({ granted: true, atMs: expect.closeTo(1_011, 6) as number });
    expect(requests).toHaveLength(2);
  });

  it('asks the database again once the spare slots have run out or passed', async () => {
    const { slots, requests, clock } = reserver(grantAll);
    await slots.reserve([B]);
    clock.now = 1_000 + SPARE_WINDOW_MS + 5;
    const [slot] = await slots.reserve([B, B]);
    expect(slot).toEqual({ granted: true, atMs: clock.now });
    expect(requests).toHaveLength(2);
    expect(requests[1][0].wanted).toBe(2);
  });

  it('takes the spare slots first and asks only for the rest of the wave', async () => {
    const { slots, requests } = reserver((r) =>
      // the first grant: one wanted plus two spare; then exactly what is wanted
      requests.length === 1
        ? { granted: 3, intervalMs: r.intervalMs, firstInMs: 0, freeInMs: 3.3 }
        : { granted: r.wanted, intervalMs: r.intervalMs, firstInMs: 3.3, freeInMs: 9 },
    );
    await slots.reserve([B]);
    const wave = await slots.reserve([B, B, { ...B, answer: true }]);
    // the answer takes the earliest (spare) slot, a routine text the other, the third is asked for
    expect(wave[2]).toEqual({ granted: true, atMs: 1_001.1 });
    expect(wave[0]).toEqual({ granted: true, atMs: 1_002.2 });
    expect(wave[1]).toEqual({ granted: true, atMs: 1_003.3 });
    expect(requests[1].map((r) => [r.wanted, r.answers])).toEqual([[1, 0]]);
  });

  it('keeps no spare slot when the wave did not get all it wanted', async () => {
    const { slots, requests } = reserver((r) => ({
      granted: 1,
      intervalMs: r.intervalMs,
      firstInMs: 0,
      freeInMs: 1.1,
    }));
    expect((await slots.reserve([B, B]))[1]).toEqual({ granted: false, freeInMs: 1.1 });
    await slots.reserve([B]);
    expect(requests).toHaveLength(2);
  });

  it('hands back the unused slots of each sender’s latest grant when released, then forgets them', async () => {
    const { slots, requests, returned } = reserver(grantAll);
    await slots.reserve([B, B]);
    await slots.reserve([B]);
    await slots.release();
    expect(returned).toEqual([
      [
        expect.objectContaining({
          senderNumber: B.senderNumber,
          freeAt: 'grant 1',
          unused: spareFor(1.1, 2) - 1,
          intervalMs: 1.1,
        }),
      ],
    ]);
    await slots.reserve([B]);
    expect(requests).toHaveLength(2);
  });

  it('renews the spare slots of senders in use that run out soon with a statement made anyway', async () => {
    // a budget as the database keeps it: each grant starts where the last one ended
    const nextFree = new Map<string, number>();
    const { slots, requests, clock } = reserver((r) => {
      const start = Math.max(nextFree.get(r.senderNumber) ?? 0, clock.now);
      const granted = r.wanted + (r.spare ?? 0);
      nextFree.set(r.senderNumber, start + granted * r.intervalMs);
      const firstInMs = start - clock.now;
      return { granted, intervalMs: r.intervalMs, firstInMs, freeInMs: firstInMs };
    });
    const C = { ...B, senderNumber: '+13125550102' };
    await slots.reserve([B]);
    clock.now = 1_000 + SPARE_WINDOW_MS / 2 + 10;
    // B still has spare slots (less than half a window): served from them, and renewed with A
    const wave = await slots.reserve([B, A]);
    expect(wave[0]).toEqual({ granted: true, atMs: expect.closeTo(clock.now, 0) as number });
    expect(requests[1].map((r) => [r.senderNumber, r.wanted, r.spare])).toEqual([
      [A.senderNumber, 1, 0],
      [B.senderNumber, 0, spareFor(1.1, 0)],
    ]);
    // the renewal's slots are kept once, after those already held: no slot handed out twice
    const seen = new Set<number>();
    for (let i = 0; i < 15; i++) {
      clock.now += 1;
      const wave = [...(Array(25).fill(B) as Sender[]), C];
      for (const slot of await slots.reserve(wave)) {
        if (!slot.granted) continue;
        expect(slot.atMs).toBeGreaterThanOrEqual(clock.now);
        const key = Math.round(slot.atMs * 1000);
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
    }
  });

  it('stops renewing a sender no wave has wanted for a window', async () => {
    const { slots, requests, clock } = reserver(grantAll);
    await slots.reserve([B]);
    clock.now = 1_000 + SPARE_WINDOW_MS + 50;
    await slots.reserve([A]);
    expect(requests[1].map((r) => r.senderNumber)).toEqual([A.senderNumber]);
  });
});
