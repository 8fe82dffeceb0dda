import type { AppConfig } from '../config/app-config';
import type { Pacer } from './pacer';
import type { SenderBudgetRepository, SlotGrant, SlotRequest } from './sender-budget.repository';
import type { SenderHealth } from './sender-health';
import { intervalMsFor, SLOT_HORIZON_MS, SlotReserver, type Sender } from './slot-reserver';

const A: Sender = { providerType: 'twilio', senderNumber: '+13125550100', ratePerSecond: 2 };
const B: Sender = { providerType: 'twilio', senderNumber: '+13125550101', ratePerSecond: 1000 };

function reserver(
  answer: (r: SlotRequest) => Omit<SlotGrant, 'providerType' | 'senderNumber'>,
  admit: SenderHealth['admit'] = (_sender, wanted) => ({ allowed: wanted, retryInMs: 0 }),
) {
  const requests: SlotRequest[][] = [];
  const budgets = {
    reserve: (batch: SlotRequest[], horizon: number) => {
      expect(horizon).toBe(SLOT_HORIZON_MS);
      requests.push(batch);
      return Promise.resolve(batch.map((r) => ({ ...r, ...answer(r) })));
    },
  } as unknown as SenderBudgetRepository;
  const pacer = { elapsedMs: () => 1_000 } as Pacer;
  const config = { sendRateMarginMs: 100 } as AppConfig;
  const health = { admit } as SenderHealth;
  return { slots: new SlotReserver(budgets, pacer, config, health), requests };
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
    expect(requests[0].map((r) => [r.senderNumber, r.wanted, r.intervalMs])).toEqual([
      [B.senderNumber, 2, 1.1],
      [A.senderNumber, 1, 550],
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
