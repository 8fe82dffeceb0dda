import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import type { PatientsRepository } from '../../patients/patients.repository';
import type { DispatchMetrics } from './dispatch.metrics';
import { OutcomeRecorder } from './outcome-recorder';
import type { SendOutcome } from './outcomes';
import { appliedKey, type OutcomesRepository } from './outcomes.repository';
import type { Pacer } from '../send/pacer';
import type { Randomness } from '../randomness';

const sent = (id: string): SendOutcome => ({
  kind: 'sent',
  messageKind: 'reminder',
  reminderId: id,
  messageId: `m-${id}`,
  providerMessageId: 'p',
  segments: 1,
  at: new Date(0),
  dueAt: new Date(0),
});

/** A recorder on Jest's fake timers; each write takes `writeMs` and applies every outcome. */
function recorder(writeMs = 5, lost = new Set<string>()) {
  const writes: { at: number; size: number }[] = [];
  const counted: unknown[][] = [];
  let observed = 0;
  const outcomes = {
    apply: async (_m: unknown, _id: string, batch: SendOutcome[]) => {
      writes.push({ at: Date.now(), size: batch.length });
      await new Promise((resolve) => setTimeout(resolve, writeMs));
      return new Set(batch.filter((o) => !lost.has(o.reminderId!)).map(appliedKey));
    },
  } as unknown as OutcomesRepository;
  const metrics = {
    count: (...args: unknown[]) => counted.push(args),
    observeLateness: () => (observed += 1),
  };
  const pacer = { elapsedMs: () => Date.now() } as unknown as Pacer;
  const rec = new OutcomeRecorder(
    { manager: {} } as DataSource,
    'instance-1',
    outcomes,
    {} as PatientsRepository,
    metrics as unknown as DispatchMetrics,
    pacer,
    { fraction: () => 0.5 } as Randomness,
    { dispatchLeaseMs: 60_000 } as AppConfig,
  );
  return { rec, writes, counted, observed: () => observed };
}

describe('OutcomeRecorder', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('gathers the outcomes of a few milliseconds into one write, and resolves once it commits', async () => {
    const { rec, writes } = recorder();
    let committed = 0;
    const recorded = ['a', 'b'].map((id) => rec.record(sent(id)).then(() => (committed += 1)));
    await jest.advanceTimersByTimeAsync(10);
    void rec.record(sent('c'));
    await jest.advanceTimersByTimeAsync(9);
    // nothing written before the first has waited 20 ms
    expect(writes).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([{ at: 1_000_020, size: 3 }]);
    expect(committed).toBe(0);
    await jest.advanceTimersByTimeAsync(5);
    await Promise.all(recorded);
    expect(committed).toBe(2);
    await rec.idle();
  });

  it('writes at once when a full gathering is queued, and the rest after the write in flight', async () => {
    const { rec, writes } = recorder(8);
    for (let i = 0; i < 250; i++) void rec.record(sent(`r${i}`));
    await jest.advanceTimersByTimeAsync(0);
    expect(writes).toEqual([{ at: 1_000_000, size: 200 }]);
    void rec.record(sent('late'));
    // the write in flight ends at 8 ms; the 50 left over have waited 20 ms at 20 ms
    await jest.advanceTimersByTimeAsync(19);
    expect(writes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([
      { at: 1_000_000, size: 200 },
      { at: 1_000_020, size: 51 },
    ]);
    await jest.advanceTimersByTimeAsync(8);
    await rec.idle();
  });

  it('writes an outcome that waited through a long write as soon as that write ends', async () => {
    const { rec, writes } = recorder(50);
    void rec.record(sent('a'));
    await jest.advanceTimersByTimeAsync(20);
    void rec.record(sent('b'));
    await jest.advanceTimersByTimeAsync(50);
    expect(writes).toEqual([
      { at: 1_000_020, size: 1 },
      { at: 1_000_070, size: 1 },
    ]);
    await jest.advanceTimersByTimeAsync(50);
    await rec.idle();
  });

  it('counts the outcomes of a write by kind, those whose lease was lost apart', async () => {
    const { rec, counted, observed } = recorder(5, new Set(['c']));
    const skipped: SendOutcome = {
      kind: 'skipped',
      messageKind: 'reminder',
      reminderId: 'd',
      messageId: null,
      reason: 'cancelled',
    };
    const all = [sent('a'), sent('b'), sent('c'), skipped].map((o) => rec.record(o));
    await jest.advanceTimersByTimeAsync(25);
    await Promise.all(all);
    expect(counted).toEqual([
      ['reminder', 'sent', true, 2],
      ['reminder', 'lease_lost', true, 1],
      ['reminder', 'skipped', true, 1],
    ]);
    expect(observed()).toBe(2);
  });
});
