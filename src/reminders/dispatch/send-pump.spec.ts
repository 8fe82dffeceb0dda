import type { SendJob } from './outbound-reminder';
import type { ReminderOutcome } from './outcomes';
import { SendPump, type PumpPorts } from './send-pump';
import type { Slot } from './slot-reserver';

const job = (id: string) => ({ reminder: { id }, messageId: `m-${id}` }) as unknown as SendJob;
const sent = (j: SendJob): ReminderOutcome => ({
  kind: 'sent',
  reminderId: j.reminder.id,
  messageId: j.messageId,
  providerMessageId: 'p',
  segments: 1,
  at: new Date(0),
  dueAt: new Date(0),
});

async function until(pump: SendPump): Promise<void> {
  while (!pump.idle) await pump.changed(50);
}

function ports(overrides: Partial<PumpPorts> = {}) {
  const state = { inFlight: 0, maxInFlight: 0, waves: [] as number[], outcomes: [] as string[] };
  const p: PumpPorts = {
    reserve: (wave) => {
      state.waves.push(wave.length);
      return Promise.resolve(wave.map((): Slot => ({ granted: true, atMs: 0 })));
    },
    send: async (j) => {
      state.inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      await new Promise((r) => setTimeout(r, 5));
      state.inFlight -= 1;
      return sent(j);
    },
    outcome: (o) => state.outcomes.push(o.reminderId),
    error: () => undefined,
    ...overrides,
  };
  return { ports: p, state };
}

describe('SendPump', () => {
  it('sends every job once, never more than its concurrency at a time', async () => {
    const { ports: p, state } = ports();
    const pump = new SendPump(4, p);
    const jobs = Array.from({ length: 30 }, (_, i) => job(String(i)));
    pump.push(jobs);
    await until(pump);
    expect(state.outcomes.sort()).toEqual(jobs.map((j) => j.reminder.id).sort());
    expect(state.maxInFlight).toBeLessThanOrEqual(4);
    expect(state.maxInFlight).toBeGreaterThan(1);
    // One reservation per wave, not per text.
    expect(state.waves.length).toBeLessThan(30);
    expect(state.waves.reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('hands each job the slot reserved for its place in the wave', async () => {
    const seen: [string, Slot][] = [];
    const { ports: p } = ports({
      reserve: (wave) =>
        Promise.resolve(
          wave.map((_, i): Slot =>
            i === 0 ? { granted: true, atMs: 7 } : { granted: false, freeInMs: 9 },
          ),
        ),
      send: (j, slot) => {
        seen.push([j.reminder.id, slot]);
        return Promise.resolve(sent(j));
      },
    });
    const pump = new SendPump(2, p);
    pump.push([job('a'), job('b')]);
    await until(pump);
    expect(seen.map(([id, slot]) => [id, slot.granted])).toEqual([
      ['a', true],
      ['b', false],
    ]);
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
        return Promise.resolve(wave.map((): Slot => ({ granted: true, atMs: 0 })));
      },
      error: (step) => errors.push(step),
    });
    const pump = new SendPump(2, p);
    pump.push([job('a'), job('b')]);
    await until(pump);
    pump.push([job('c')]);
    await until(pump);
    expect(errors).toEqual(['reserve']);
    expect(state.outcomes).toEqual(['c']);
  });
});
