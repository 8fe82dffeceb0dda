import { GroupCommit, ItemFailure } from './group-commit';

/** A run function whose calls finish only when the test says so. */
function controlledRun() {
  const calls: { items: number[]; finish: (error?: Error) => void }[] = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({
        items,
        finish: (error) => (error ? reject(error) : resolve(items.map((i) => `r${i}`))),
      });
    });
  return { calls, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('runs an item at once when idle, and gathers the rest while calls are in flight', async () => {
    const { calls, run } = controlledRun();
    const batcher = new GroupCommit(run, { maxInFlight: 2, maxBatch: 100 });
    const answers = [1, 2, 3, 4, 5].map((i) => batcher.submit(i));
    expect(calls.map((c) => c.items)).toEqual([[1], [2]]);
    calls[0].finish();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2], [3, 4, 5]]);
    calls[1].finish();
    calls[2].finish();
    expect(await Promise.all(answers)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('with one call in flight, starts the next only when it ends, with all that came meanwhile', async () => {
    const { calls, run } = controlledRun();
    const batcher = new GroupCommit(run, { maxInFlight: 1, maxBatch: 100 });
    const first = batcher.submit(1);
    const rest = [2, 3, 4].map((i) => batcher.submit(i));
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    calls[0].finish();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    const late = batcher.submit(5);
    await tick();
    expect(calls).toHaveLength(2);
    calls[1].finish();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4], [5]]);
    calls[2].finish();
    expect(await Promise.all([first, ...rest, late])).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('rejects an item its call answered with an ItemFailure, and only that one', async () => {
    const batcher = new GroupCommit((items: number[]) =>
      Promise.resolve(items.map((i) => (i === 2 ? new ItemFailure(new Error('unstorable')) : i))),
    );
    const answers = [1, 2, 3].map((i) => batcher.submit(i));
    await expect(answers[0]).resolves.toBe(1);
    await expect(answers[1]).rejects.toThrow('unstorable');
    await expect(answers[2]).resolves.toBe(3);
  });

  it('caps a batch at maxBatch items', async () => {
    const { calls, run } = controlledRun();
    const batcher = new GroupCommit(run, { maxInFlight: 1, maxBatch: 2 });
    const answers = [1, 2, 3, 4, 5].map((i) => batcher.submit(i));
    for (let i = 0; i < 3; i++) {
      calls[i].finish();
      await tick();
    }
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3], [4, 5]]);
    expect(await Promise.all(answers)).toHaveLength(5);
  });

  it('rejects every item of a failed call, and carries on with the next', async () => {
    const { calls, run } = controlledRun();
    const batcher = new GroupCommit(run, { maxInFlight: 1, maxBatch: 100 });
    const first = batcher.submit(1);
    const second = [2, 3].map((i) => batcher.submit(i));
    calls[0].finish();
    await tick();
    calls[1].finish(new Error('database down'));
    await expect(first).resolves.toBe('r1');
    await expect(Promise.all(second)).rejects.toThrow('database down');
    const third = batcher.submit(4);
    await tick();
    calls[2].finish();
    await expect(third).resolves.toBe('r4');
  });

  describe('options', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());
    const now = () => Date.now();

    it('gather: an idle caller waits up to `ms` after the oldest item for others to join', async () => {
      const { calls, run } = controlledRun();
      const batcher = new GroupCommit(run, { gather: { ms: 20, atLeast: 3, now } });
      void batcher.submit(1);
      await jest.advanceTimersByTimeAsync(10);
      void batcher.submit(2);
      await jest.advanceTimersByTimeAsync(9);
      expect(calls).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls.map((c) => c.items)).toEqual([[1, 2]]);
    });

    it('gather: goes at once when `atLeast` are waiting', async () => {
      const { calls, run } = controlledRun();
      const batcher = new GroupCommit(run, { maxInFlight: 1, gather: { ms: 20, atLeast: 3, now } });
      [1, 2, 3, 4].forEach((i) => void batcher.submit(i));
      await jest.advanceTimersByTimeAsync(0);
      expect(calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
    });

    it('moreOnlyWhenFull: a second call starts only for a full batch', async () => {
      const { calls, run } = controlledRun();
      const batcher = new GroupCommit(run, { maxBatch: 3, moreOnlyWhenFull: true });
      [1, 2, 3].forEach((i) => void batcher.submit(i));
      expect(calls.map((c) => c.items)).toEqual([[1]]);
      void batcher.submit(4);
      expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
      void batcher.submit(5);
      await jest.advanceTimersByTimeAsync(0);
      expect(calls).toHaveLength(2);
      // one call still in flight: 5 waits for it
      calls[0].finish();
      await jest.advanceTimersByTimeAsync(0);
      expect(calls).toHaveLength(2);
      calls[1].finish();
      await jest.advanceTimersByTimeAsync(0);
      expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4], [5]]);
    });

    it('retry: those it keeps go round again after its delay, the others are rejected', async () => {
      const { calls, run } = controlledRun();
      const seen: number[] = [];
      const batcher = new GroupCommit(run, {
        maxInFlight: 1,
        retry: (items, failures) => {
          seen.push(failures);
          return { inMs: 100, again: items.filter((i) => i !== 2) };
        },
      });
      const answers = [1, 2, 3].map((i) => batcher.submit(i));
      calls[0].finish();
      await jest.advanceTimersByTimeAsync(0);
      calls[1].finish(new Error('database restarting'));
      await expect(answers[1]).rejects.toThrow('database restarting');
      await jest.advanceTimersByTimeAsync(99);
      expect(calls).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls[2].items).toEqual([3]);
      calls[2].finish(new Error('still restarting'));
      await jest.advanceTimersByTimeAsync(100);
      calls[3].finish();
      await expect(answers[2]).resolves.toBe('r3');
      expect(seen).toEqual([1, 2]);
    });

    it('idle: resolves once every item is answered, retries included', async () => {
      const { calls, run } = controlledRun();
      const batcher = new GroupCommit(run, {
        maxInFlight: 1,
        retry: (items) => ({ inMs: 50, again: items }),
      });
      await batcher.idle();
      const answer = batcher.submit(1);
      let idle = false;
      void batcher.idle().then(() => (idle = true));
      calls[0].finish(new Error('down'));
      await jest.advanceTimersByTimeAsync(10);
      expect(idle).toBe(false);
      await jest.advanceTimersByTimeAsync(40);
      calls[1].finish();
      await jest.advanceTimersByTimeAsync(0);
      expect(idle).toBe(true);
      await expect(answer).resolves.toBe('r1');
    });
  });
});
