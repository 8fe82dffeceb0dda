import type { SendOutcome } from '../record/outcomes';
import type { SendJob } from './send-job';
import { RECHECK_AHEAD_MS, RELEASE_STEP_MS, SendPump, type PumpPorts } from './send-pump';
import type { Slot } from './slot-reserver';

const job = (id: string, priority = 1) =>
  ({ reminderId: id, messageId: `m-${id}`, kind: 'reminder', priority }) as unknown as SendJob;
const sent = (j: SendJob): SendOutcome => ({
  kind: 'sent',
  messageKind: j.kind,
  reminderId: j.reminderId,
  messageId: j.messageId,
  providerMessageId: 'p',
  segments: 1,
  at: new Date(0),
  dueAt: new Date(0),
});
const granted = (): Slot => ({ granted: true, atMs: 0 });

async function until(pump: SendPump): Promise<void> {
  while (!pump.idle) await pump.changed(50);
}

function ports(overrides: Partial<PumpPorts> = {}) {
  const started = performance.now();
  const state = {
    inFlight: 0,
    maxInFlight: 0,
    waves: [] as number[],
    asked: [] as number[],
    outcomes: [] as string[],
    deferredIn: [] as number[],
  };
  const p: PumpPorts = {
    now: () => performance.now(),
    reserve: (wave) => {
      state.waves.push(wave.length);
      state.asked.push(performance.now() - started);
      return Promise.resolve(wave.map(granted));
    },
    sendAt: async (j) => {
      state.inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      await new Promise((r) => setTimeout(r, 5));
      state.inFlight -= 1;
      return sent(j);
    },
    defer: (j, inMs) => {
      state.deferredIn.push(inMs);
      return {
        kind: 'deferred',
        messageKind: j.kind,
        reminderId: j.reminderId,
        messageId: j.messageId,
        runAt: new Date(0),
      };
    },
    outcome: (o) => state.outcomes.push(`${o.kind}:${o.reminderId}`),
    error: () => undefined,
    recheck: () => Promise.resolve([]),
    ...overrides,
  };
  return { ports: p, state };
}

describe('SendPump', () => {
  it('sends every text once, never more than its concurrency at a time', async () => {
    const { ports: p, state } = ports();
    const pump = new SendPump(4, 5_000, 30_000, p);
    const jobs = Array.from({ length: 30 }, (_, i) => job(String(i)));
    pump.push(jobs);
    await until(pump);
    expect(state.outcomes.sort()).toEqual(jobs.map((j) => `sent:${j.reminderId}`).sort());
    expect(state.maxInFlight).toBeLessThanOrEqual(4);
    expect(state.maxInFlight).toBeGreaterThan(1);
    // One reservation per wave, not per text.
    expect(state.waves.length).toBeLessThan(30);
    expect(state.waves.reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('keeps a text whose sender is briefly busy, and asks again when its turn comes', async () => {
    let busy = true;
    const { ports: p, state } = ports();
    const reserve = p.reserve;
    p.reserve = (wave) => {
      if (!busy) return reserve(wave);
      busy = false;
      state.asked.push(0);
      return Promise.resolve(wave.map((): Slot => ({ granted: false, freeInMs: 200 })));
    };
    const pump = new SendPump(2, 5_000, 30_000, p);
    pump.push([job('a')]);
    await until(pump);
    expect(state.outcomes).toEqual(['sent:a']);
    expect(state.asked).toHaveLength(2);
    // Asked again a little before the sender is free, so the slot is within reach.
    expect(state.asked[1]).toBeGreaterThanOrEqual(140);
    expect(state.asked[1]).toBeLessThan(600);
  });

  it('hands a text back to the database when its turn is further than it may be held', async () => {
    const { ports: p, state } = ports({
      reserve: (wave) =>
        Promise.resolve(wave.map((): Slot => ({ granted: false, freeInMs: 60_000 }))),
    });
    const pump = new SendPump(2, 5_000, 30_000, p);
    pump.push([job('a')]);
    await until(pump);
    expect(state.outcomes).toEqual(['deferred:a']);
    expect(state.deferredIn).toEqual([60_000]);
  });

  it('finds another slot for a text whose slot passed while the process stalled', async () => {
    let late = true;
    const { ports: p, state } = ports();
    const sendAt = p.sendAt;
    p.sendAt = (j, slot) => {
      if (!late) return sendAt(j, slot);
      late = false;
      return Promise.resolve(null);
    };
    const pump = new SendPump(2, 5_000, 30_000, p);
    pump.push([job('a')]);
    await until(pump);
    expect(state.outcomes).toEqual(['sent:a']);
    expect(state.waves).toEqual([1, 1]);
  });

  it('sends a burst in waves of every permit, though the permits come back one by one', async () => {
    // Each send finishes a few promise turns after the last: the wave's permits come back
    // one by one, a moment apart, as they do from a fast provider.
    const { ports: p, state } = ports({
      sendAt: async (j) => {
        for (let i = 0; i < Number(j.reminderId) % 8; i += 1) await Promise.resolve();
        return sent(j);
      },
      // The Pacer held still: the wave's short wait for permits never runs out here, so a GC
      // pause of the test process (CI saw one) cannot cut a wave; how long it waits is not
      // what this test is about.
      now: () => 0,
    });
    const pump = new SendPump(8, 5_000, 30_000, p);
    pump.push(Array.from({ length: 32 }, (_, i) => job(String(i))));
    await until(pump);
    expect(state.outcomes).toHaveLength(32);
    // One reservation per 8 texts, not one per permit as it comes back.
    expect(state.waves).toEqual([8, 8, 8, 8]);
  });

  it('hands back, unsent, a text held longer than its lease allows', async () => {
    // Taken at 0; by the time a permit could take it, 30 s have gone by.
    const readings = [0];
    const { ports: p, state } = ports({ now: () => readings.shift() ?? 30_001 });
    const pump = new SendPump(1, 5_000, 30_000, p);
    pump.push([job('a')]);
    await until(pump);
    expect(state.outcomes).toEqual(['deferred:a']);
    expect(state.waves).toEqual([]);
  });

  it('hands everything not yet on its way back when told to, for a shutdown', async () => {
    const { ports: p, state } = ports({
      reserve: (wave) =>
        Promise.resolve(wave.map((): Slot => ({ granted: false, freeInMs: 1_000 }))),
    });
    const pump = new SendPump(2, 5_000, 30_000, p);
    pump.push([job('a'), job('b'), job('c')]);
    await pump.changed(20);
    pump.handBack();
    await until(pump);
    expect(state.outcomes.sort()).toEqual(['deferred:a', 'deferred:b', 'deferred:c']);
  });

  it('holds a text taken ahead of its time until then, and sends those due together in a wave', async () => {
    const started = performance.now();
    const sentAt: number[] = [];
    const { ports: p, state } = ports();
    const sendAt = p.sendAt;
    p.sendAt = (j, slot) => {
      sentAt.push(performance.now() - started);
      return sendAt(j, slot);
    };
    const pump = new SendPump(8, 5_000, 30_000, p);
    pump.hold([
      { job: job('a'), inMs: 60 },
      { job: job('b'), inMs: 60 },
      { job: job('c'), inMs: 60 },
    ]);
    // Held, not queued: the claim loop may go on claiming.
    expect(pump.queued).toBe(0);
    expect(pump.idle).toBe(false);
    await until(pump);
    expect(state.outcomes.sort()).toEqual(['sent:a', 'sent:b', 'sent:c']);
    expect(Math.min(...sentAt)).toBeGreaterThanOrEqual(60);
    expect(Math.max(...sentAt)).toBeLessThan(60 + RELEASE_STEP_MS + 40);
    expect(state.waves).toEqual([3]);
  });

  it('reads held texts again just before their release, and hands back those stopped since', async () => {
    const started = performance.now();
    const rechecked: { ids: string[]; at: number }[] = [];
    const { ports: p, state } = ports({
      recheck: (jobs) => {
        rechecked.push({ ids: jobs.map((j) => j.reminderId!), at: performance.now() - started });
        return Promise.resolve(jobs.filter((j) => j.reminderId === 'cancelled'));
      },
    });
    const pump = new SendPump(8, 5_000, 30_000, p);
    pump.hold([
      { job: job('kept'), inMs: 80 },
      { job: job('cancelled'), inMs: 80 },
    ]);
    await until(pump);
    expect(state.outcomes.sort()).toEqual(['deferred:cancelled', 'sent:kept']);
    expect(state.deferredIn).toEqual([0]);
    // One read for the two, made ahead of their time, not at their claim.
    expect(rechecked.map((r) => r.ids.sort())).toEqual([['cancelled', 'kept']]);
    expect(rechecked[0].at).toBeGreaterThanOrEqual(80 - RECHECK_AHEAD_MS - RELEASE_STEP_MS);
    expect(rechecked[0].at).toBeLessThan(80);
  });

  it('does not read again a text held for less than the re-check lead, nor a text due now', async () => {
    const recheck = jest.fn(() => Promise.resolve([] as SendJob[]));
    const { ports: p, state } = ports({ recheck });
    const pump = new SendPump(8, 5_000, 30_000, p);
    pump.hold([{ job: job('soon'), inMs: RECHECK_AHEAD_MS - RELEASE_STEP_MS - 1 }]);
    pump.push([job('now')]);
    await until(pump);
    expect(state.outcomes.sort()).toEqual(['sent:now', 'sent:soon']);
    expect(recheck).not.toHaveBeenCalled();
  });

  it('sends a held text as its claim decided when the read fails', async () => {
    const errors: string[] = [];
    const { ports: p, state } = ports({
      recheck: () => Promise.reject(new Error('database down')),
      error: (step) => errors.push(step),
    });
    const pump = new SendPump(8, 5_000, 30_000, p);
    pump.hold([{ job: job('a'), inMs: 60 }]);
    await until(pump);
    expect(state.outcomes).toEqual(['sent:a']);
    expect(errors).toEqual(['recheck']);
  });

  it('hands a held text back due at its own time, not at once, for a shutdown', async () => {
    const { ports: p, state } = ports();
    const pump = new SendPump(2, 5_000, 30_000, p);
    pump.hold([{ job: job('a'), inMs: 80 }]);
    pump.handBack();
    await until(pump);
    expect(state.outcomes).toEqual(['deferred:a']);
    expect(state.waves).toEqual([]);
    expect(state.deferredIn[0]).toBeGreaterThan(70);
    expect(state.deferredIn[0]).toBeLessThanOrEqual(80);
  });

  it('reports a failed reservation and frees the permits of its wave', async () => {
    const errors: string[] = [];
    let fail = true;
    const { ports: p, state } = ports({
      reserve: (wave) => {
        if (fail) {
          fail = false;
          return Promise.reject(new Error('database down'));
        }
        return Promise.resolve(wave.map(granted));
      },
      error: (step) => errors.push(step),
    });
    const pump = new SendPump(2, 5_000, 30_000, p);
    pump.push([job('a'), job('b')]);
    await until(pump);
    pump.push([job('c')]);
    await until(pump);
    expect(errors).toEqual(['reserve']);
    expect(state.outcomes).toEqual(['sent:c']);
  });

  it('puts answers to patients ahead of every routine text already queued', async () => {
    const order: string[] = [];
    const { ports: p } = ports({
      reserve: (wave) => {
        order.push(...wave.map((j) => j.reminderId!));
        return Promise.resolve(wave.map(granted));
      },
    });
    const pump = new SendPump(1, 5_000, 30_000, p);
    pump.push(Array.from({ length: 5 }, (_, i) => job(`r${i}`)));
    pump.push([job('answer', 0)]);
    await until(pump);
    // r0 took the only permit at once; the answer goes next, before r1..r4.
    expect(order.indexOf('answer')).toBeLessThanOrEqual(1);
    expect(order).toHaveLength(6);
  });
});
