import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { APP_CONFIG } from '../../config/app-config';
import { Clock, ManualClock } from '../clock/clock';
import { DueSignals } from './due-signals';
import { DueWork } from './due-work';
import type { DueWorkLoop } from './due-work-loop';
import { DueWorkRunner } from './due-work-runner';

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** DueSignals without PostgreSQL: `deliver` is a notification arriving. */
class FakeSignals {
  readonly loops = new Map<string, { loop: DueWorkLoop; heard?: (at?: Date) => void }>();
  register(kind: string, loop: DueWorkLoop, heard?: (at?: Date) => void): Promise<void> {
    if (loop.enabled) this.loops.set(kind, { loop, heard });
    return Promise.resolve();
  }
  deliver(kind: string, at?: Date): void {
    const entry = this.loops.get(kind);
    entry?.heard?.(at);
    entry?.loop.wake(at);
  }
}

@Injectable()
class Sweeper {
  passes = 0;
  running = 0;
  mostAtOnce = 0;
  heard: string[] = [];
  stopped = false;
  hold: ReturnType<typeof gate> | null = null;

  @DueWork<Sweeper>({
    name: 'sweeper',
    kinds: ['sweeps'],
    poll: 'dispatchIntervalMs',
    heard: (s, kind) => s.heard.push(kind),
    stopping: (s) => (s.stopped = true),
  })
  async pass(): Promise<Date | null> {
    this.passes += 1;
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    if (this.hold) await this.hold.promise;
    this.running -= 1;
    return null;
  }
}

/** A pass that knows its next due time: it sleeps until then, or a signal, or the long poll. */
@Injectable()
class Planner {
  passes = 0;
  nextDue: Date | null = null;

  @DueWork({ name: 'planner', kinds: ['plans'], poll: 'dispatchIntervalMs', safetyPollMs: 60_000 })
  pass(): Promise<Date | null> {
    this.passes += 1;
    return Promise.resolve(this.nextDue);
  }
}

async function setup(pollMs: number) {
  const clock = new ManualClock('2026-12-01T12:00:00Z');
  const signals = new FakeSignals();
  const app = await Test.createTestingModule({
    imports: [DiscoveryModule, ScheduleModule.forRoot()],
    providers: [
      DueWorkRunner,
      Sweeper,
      Planner,
      { provide: APP_CONFIG, useValue: { dispatchIntervalMs: pollMs } },
      { provide: Clock, useValue: clock },
      { provide: DueSignals, useValue: signals },
    ],
  }).compile();
  const advance = async (ms: number) => {
    clock.advance(ms);
    await jest.advanceTimersByTimeAsync(ms);
  };
  return { app, signals, sweeper: app.get(Sweeper), planner: app.get(Planner), clock, advance };
}

describe('@DueWork', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a registered pass at bootstrap, then on its poll', async () => {
    const { app, sweeper, advance } = await setup(5_000);
    await app.init();
    await advance(0);
    expect(sweeper.passes).toBe(1);
    await advance(4_999);
    expect(sweeper.passes).toBe(1);
    await advance(1);
    expect(sweeper.passes).toBe(2);
    await app.close();
  });

  it('runs it when one of its kinds is signalled, and tells it which', async () => {
    const { app, signals, sweeper, advance } = await setup(60_000);
    await app.init();
    await advance(0);
    expect(sweeper.passes).toBe(1);
    signals.deliver('sweeps');
    await advance(0);
    expect(sweeper.passes).toBe(2);
    expect(sweeper.heard).toEqual(['sweeps']);
    signals.deliver('other-work');
    await advance(0);
    expect(sweeper.passes).toBe(2);
    await app.close();
  });

  it('never overlaps itself: signals during a pass make one more pass after it', async () => {
    const { app, signals, sweeper, advance } = await setup(60_000);
    sweeper.hold = gate();
    await app.init();
    await advance(0);
    signals.deliver('sweeps');
    signals.deliver('sweeps');
    await advance(1_000);
    expect(sweeper.passes).toBe(1);
    const held = sweeper.hold;
    sweeper.hold = null;
    held.open();
    await advance(0);
    expect(sweeper.passes).toBe(2);
    expect(sweeper.mostAtOnce).toBe(1);
    await app.close();
  });

  it('on shutdown tells the worker first, then waits for its running pass', async () => {
    const { app, sweeper, advance } = await setup(60_000);
    sweeper.hold = gate();
    await app.init();
    await advance(0);
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await advance(0);
    expect(sweeper.stopped).toBe(true);
    expect(closed).toBe(false);
    sweeper.hold.open();
    await closing;
    expect(closed).toBe(true);
  });

  it('with safetyPollMs, sleeps until its pass’s next due time or a signal, polling only that often', async () => {
    const { app, signals, planner, clock, advance } = await setup(2_000);
    await app.init();
    await advance(0);
    expect(planner.passes).toBe(1);
    // Nothing known: not at the 2 s poll, only at the 60 s safety net.
    await advance(59_999);
    expect(planner.passes).toBe(1);
    await advance(1);
    expect(planner.passes).toBe(2);
    // A due time it read from its data: then, and not before.
    planner.nextDue = new Date(clock.now().getTime() + 10_000);
    signals.deliver('plans');
    await advance(0);
    expect(planner.passes).toBe(3);
    planner.nextDue = new Date(clock.now().getTime() + 3_600_000);
    await advance(9_999);
    expect(planner.passes).toBe(3);
    await advance(1);
    expect(planner.passes).toBe(4);
    // An hour away, further than the safety net: the net still looks.
    await advance(59_999);
    expect(planner.passes).toBe(4);
    await advance(1);
    expect(planner.passes).toBe(5);
    await app.close();
  });

  it('holds each armed loop timer in the SchedulerRegistry, and none after shutdown', async () => {
    const { app, sweeper, advance } = await setup(5_000);
    await app.init();
    await advance(0);
    const registry = app.get(SchedulerRegistry);
    expect(registry.getTimeouts().sort()).toEqual(['due-work:planner', 'due-work:sweeper']);
    // While a pass runs its loop has no timer armed; after it, the next one is held again.
    sweeper.hold = gate();
    await advance(5_000);
    expect(registry.getTimeouts()).toEqual(['due-work:planner']);
    const held = sweeper.hold;
    sweeper.hold = null;
    held.open();
    await advance(0);
    expect(registry.getTimeouts().sort()).toEqual(['due-work:planner', 'due-work:sweeper']);
    await app.close();
    expect(registry.getTimeouts()).toEqual([]);
  });

  it('does nothing when its poll setting is 0 (tests drive the passes)', async () => {
    const { app, signals, sweeper, advance } = await setup(0);
    await app.init();
    signals.deliver('sweeps');
    await advance(10_000);
    expect(sweeper.passes).toBe(0);
    expect(app.get(DueWorkRunner).loop('sweeper')?.enabled).toBe(false);
    await app.close();
  });
});
