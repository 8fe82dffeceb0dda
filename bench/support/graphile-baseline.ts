import { Logger, makeWorkerUtils, run, type Task } from 'graphile-worker';
import type { DataSource } from 'typeorm';
import type { SmsProvider } from '../../src/bench-seam';
import { BaselineWork } from './baseline-work';
import type { Meter } from './server-cost';

const TASK = 'send_reminder';
const silent = new Logger(() => () => undefined);
const WORKER = 'graphile-worker';

export interface GraphileRun {
  jobs: number;
  seconds: number;
  /** what the run cost per job (see meter), when a meter was given */
  cost: string | null;
  concurrency: number;
  localQueue: number;
  coalesce: number;
}

/**
 * Gathers the ids of the jobs running at once into statements of up to `size` ids: what a user
 * tuning graphile-worker for throughput writes, since its task handler sees one job at a time.
 * A batch goes when full, or when the event loop has nothing more to hand it.
 */
class Coalescer {
  private pending: { id: string; done: () => void; fail: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly size: number,
    private readonly work: (ids: string[]) => Promise<void>,
  ) {}

  add(id: string): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.pending.push({ id, done, fail });
      if (this.pending.length >= this.size) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.size);
      this.work(batch.map((p) => p.id)).then(
        () => batch.forEach((p) => p.done()),
        (error: unknown) => batch.forEach((p) => p.fail(error)),
      );
    }
  }
}

/**
 * The same due reminders as graphile-worker jobs (one per reminder, run_at = its due time),
 * at its fastest honest setting: jobs added in bulk (addJobs), a local queue that locks a
 * batch of jobs per fetch, completions batched, enough concurrent jobs for the handlers' SQL to
 * be coalesced about 200 ids a statement. Each reminder gets the dispatcher's work
 * (BaselineWork); what graphile-worker does not do: the per-sender rate cap.
 */
export async function runGraphileWorker(options: {
  url: string;
  ds: DataSource;
  provider: SmsProvider;
  due: { id: string; dueAt: Date }[];
  concurrency: number;
  localQueue: number;
  coalesce: number;
  meter?: Meter;
}): Promise<GraphileRun> {
  const utils = await makeWorkerUtils({ connectionString: options.url, logger: silent });
  try {
    await utils.migrate();
    for (let i = 0; i < options.due.length; i += 10_000) {
      await utils.addJobs(
        options.due.slice(i, i + 10_000).map((d) => ({
          identifier: TASK,
          payload: { reminderId: d.id },
          runAt: d.dueAt,
        })),
      );
    }
  } finally {
    await utils.release();
  }
  const work = new BaselineWork(options.ds, options.provider, WORKER);
  const coalescer = new Coalescer(options.coalesce, (ids) => work.handle(ids));
  let done = 0;
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const task: Task = async (payload) => {
    await coalescer.add((payload as { reminderId: string }).reminderId);
    done += 1;
    if (done >= options.due.length) finished();
  };
  await options.meter?.start();
  const started = performance.now();
  const runner = await run({
    connectionString: options.url,
    concurrency: options.concurrency,
    noHandleSignals: true,
    pollInterval: 50,
    taskList: { [TASK]: task },
    // Quiet: its info lines per job would cost more than the work.
    logger: silent,
    preset: {
      worker: {
        maxPoolSize: 12,
        localQueue: { size: options.localQueue },
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    },
  });
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  const cost = (await options.meter?.stop(done, 'job')) ?? null;
  await runner.stop();
  return {
    jobs: done,
    seconds,
    cost,
    concurrency: options.concurrency,
    localQueue: options.localQueue,
    coalesce: options.coalesce,
  };
}
