import { Logger } from '@nestjs/common';
import { ManualClock } from '../clock/clock';
import { DueWorkLoop } from './due-work-loop';

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** A loop on a manual clock that moves with jest's fake timers. */
function setup(pollMs: number, next: () => Date | null = () => null, leadMs?: number) {
  const clock = new ManualClock('2026-12-01T12:00:00Z');
  const passes: number[] = [];
  let hold: ReturnType<typeof gate> | null = null;
  const loop = new DueWorkLoop(
    'test-loop',
    clock,
    async () => {
      passes.push(clock.now().getTime());
      if (hold) await hold.promise;
      return next();
    },
    { pollMs, leadMs },
  );
  const advance = async (ms: number) => {
    clock.advance(ms);
    await jest.advanceTimersByTimeAsync(ms);
  };
  return {
    clock,
    loop,
    passes,
    advance,
    holdPasses: () => (hold = gate()),
    release: () => {
      hold?.open();
      hold = null;
    },
  };
}

describe('DueWorkLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('does nothing when its poll period is 0 (tests drive the passes)', async () => {
    const { loop, passes, advance } = setup(0);
    loop.start();
    await advance(10_000);
    expect(passes).toEqual([]);
    expect(loop.enabled).toBe(false);
  });

  it('sleeps until the earliest due time a pass reports, not a whole poll period', async () => {
    let due: Date | null = null;
    const { loop, passes, clock, advance } = setup(5_000, () => due);
    due = new Date(clock.now().getTime() + 300);
    loop.start();
    await advance(0);
    expect(passes).toHaveLength(1);
    due = null;
    await advance(299);
    expect(passes).toHaveLength(1);
    await advance(1);
    expect(passes).toHaveLength(2);
    await loop.stop();
  });

  it('polls only as a safety net when nothing is known to be due', async () => {
    const { loop, passes, advance } = setup(5_000);
    loop.start();
    await advance(0);
    await advance(4_999);
    expect(passes).toHaveLength(1);
    await advance(1);
    expect(passes).toHaveLength(2);
    await loop.stop();
  });

  it('wakes at once for work due now, and at its time for work due later', async () => {
    const { loop, passes, clock, advance } = setup(60_000);
    loop.start();
    await advance(0);
    loop.wake();
    await advance(0);
    expect(passes).toHaveLength(2);
    loop.wake(new Date(clock.now().getTime() + 50));
    await advance(49);
    expect(passes).toHaveLength(2);
    await advance(1);
    expect(passes).toHaveLength(3);
    await loop.stop();
  });

  it('runs its pass leadMs ahead of a due time, for work taken ahead and held to its time', async () => {
    let due: Date | null = null;
    const { loop, passes, clock, advance } = setup(60_000, () => due, 50);
    due = new Date(clock.now().getTime() + 300);
    loop.start();
    await advance(0);
    due = null;
    await advance(249);
    expect(passes).toHaveLength(1);
    await advance(1);
    expect(passes).toHaveLength(2);
    // A producer's wake for work due in 80 ms: the pass runs in 30.
    loop.wake(new Date(clock.now().getTime() + 80));
    await advance(29);
    expect(passes).toHaveLength(2);
    await advance(1);
    expect(passes).toHaveLength(3);
    // Due sooner than the lead: at once.
    loop.wake(new Date(clock.now().getTime() + 20));
    await advance(0);
    expect(passes).toHaveLength(4);
    await loop.stop();
  });

  it('never overlaps itself: a wake during a pass runs one more pass after it', async () => {
    const { loop, passes, advance, holdPasses, release } = setup(60_000);
    holdPasses();
    loop.start();
    await advance(0);
    loop.wake();
    loop.wake();
    void loop.run();
    await advance(10);
    expect(passes).toHaveLength(1);
    release();
    await advance(0);
    expect(passes).toHaveLength(2);
    await advance(1_000);
    expect(passes).toHaveLength(2);
    await loop.stop();
  });

  it('survives a failed pass and waits for the running one on stop', async () => {
    const clock = new ManualClock('2026-12-01T12:00:00Z');
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    let calls = 0;
    const finished = gate();
    const loop = new DueWorkLoop(
      'failing-loop',
      clock,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('database down');
        await finished.promise;
        return null;
      },
      { pollMs: 100 },
    );
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(logged).toHaveBeenCalledWith('pass failed: database down');
    clock.advance(100);
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finished.open();
    await stopping;
    expect(stopped).toBe(true);
    logged.mockRestore();
  });

  it('tells a pass failing through a 10 s outage in two lines, not a hundred', async () => {
    const clock = new ManualClock('2026-12-01T12:00:00Z');
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const infos = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    let down = true;
    let calls = 0;
    const loop = new DueWorkLoop(
      'outage-loop',
      clock,
      () => {
        calls += 1;
        return down ? Promise.reject(new Error('Connection terminated')) : Promise.resolve(null);
      },
      { pollMs: 100 },
    );
    loop.start();
    for (let ms = 0; ms < 10_000; ms += 100) {
      await jest.advanceTimersByTimeAsync(0);
      clock.advance(100);
      await jest.advanceTimersByTimeAsync(100);
    }
    expect(calls).toBeGreaterThanOrEqual(100);
    expect(errors.mock.calls).toEqual([['pass failed: Connection terminated']]);
    down = false;
    clock.advance(100);
    await jest.advanceTimersByTimeAsync(100);
    expect(infos.mock.calls).toEqual([[`recovered after ${calls - 1} failures in a row`]]);
    await loop.stop();
    errors.mockRestore();
    infos.mockRestore();
  });
});
