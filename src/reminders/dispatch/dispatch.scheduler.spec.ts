import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AppConfig } from '../../config/app-config';
import { DISPATCH_INTERVAL_NAME, DispatchScheduler } from './dispatch.scheduler';
import type { DispatchReport, ReminderDispatcher } from './reminder-dispatcher.service';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(intervalMs: number) {
  const registry = new SchedulerRegistry();
  let gate = deferred();
  const dispatcher = {
    tick: jest.fn(() => gate.promise.then(() => ({}) as DispatchReport)),
    stop: jest.fn(),
  };
  const scheduler = new DispatchScheduler(
    { dispatchIntervalMs: intervalMs } as AppConfig,
    registry,
    dispatcher as unknown as ReminderDispatcher,
  );
  return {
    registry,
    dispatcher,
    scheduler,
    release: () => {
      gate.resolve();
      gate = deferred();
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('DispatchScheduler', () => {
  it('registers no interval when the interval is 0', () => {
    const { registry, scheduler } = setup(0);
    scheduler.onApplicationBootstrap();
    expect(registry.getIntervals()).toEqual([]);
  });

  it('registers its interval from the config, and removes it on shutdown', async () => {
    const { registry, scheduler, dispatcher } = setup(250);
    scheduler.onApplicationBootstrap();
    expect(registry.getIntervals()).toEqual([DISPATCH_INTERVAL_NAME]);
    await scheduler.onModuleDestroy();
    expect(registry.getIntervals()).toEqual([]);
    expect(dispatcher.stop).toHaveBeenCalled();
  });

  it('never starts a pass while the previous one is still running', async () => {
    const { scheduler, dispatcher, release } = setup(0);
    scheduler.run();
    scheduler.run();
    scheduler.run();
    expect(dispatcher.tick).toHaveBeenCalledTimes(1);
    release();
    await settle();
    scheduler.run();
    expect(dispatcher.tick).toHaveBeenCalledTimes(2);
    release();
  });

  it('waits for the running pass on shutdown', async () => {
    const { scheduler, release } = setup(0);
    scheduler.run();
    let stopped = false;
    const stopping = scheduler.onModuleDestroy().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('survives a failed pass', async () => {
    const { scheduler, dispatcher } = setup(0);
    dispatcher.tick.mockImplementationOnce(() => Promise.reject(new Error('database down')));
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    scheduler.run();
    await settle();
    expect(logged).toHaveBeenCalledWith('dispatch pass failed: database down');
    dispatcher.tick.mockImplementationOnce(() => Promise.resolve({} as DispatchReport));
    scheduler.run();
    expect(dispatcher.tick).toHaveBeenCalledTimes(2);
    logged.mockRestore();
  });
});
