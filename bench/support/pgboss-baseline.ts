import PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { SmsProvider } from '../../src/bench-seam';
import { BaselineWork } from './baseline-work';
import type { Meter } from './server-cost';
import { progress } from './progress';

const QUEUE = 'reminders';
const WORKER = 'pg-boss';

export interface PgBossRun {
  jobs: number;
  seconds: number;
  /** what the run cost per job (see meter), when a meter was given */
  cost: string | null;
  workers: number;
  batchSize: number;
}

/**
 * The same due reminders as pg-boss jobs (one per reminder, startAfter = its due time), and
 * workers doing what the dispatcher does for each: take the reminder under a lease, re-check,
 * render, write the message row, call the same in-process provider, record the outcome; then
 * pg-boss completes the job. What pg-boss does not do: the per-sender rate cap.
 *
 * pg-boss's own `work()` sleeps `pollingIntervalSeconds` (0.5 s at least) between fetches; the
 * workers here call fetch() and complete() back to back instead, which is pg-boss at its fastest.
 */
export async function runPgBoss(options: {
  url: string;
  ds: DataSource;
  provider: SmsProvider;
  due: { id: string; dueAt: Date }[];
  workers: number;
  batchSize: number;
  meter?: Meter;
}): Promise<PgBossRun> {
  const boss = new PgBoss({ connectionString: options.url, supervise: false, schedule: false });
  boss.on('error', (error: Error) => console.error('pg-boss:', error.message));
  await boss.start();
  await boss.createQueue(QUEUE);
  const queued = progress('pg-boss: queueing jobs', options.due.length);
  for (let i = 0; i < options.due.length; i += 10_000) {
    queued.add(Math.min(10_000, options.due.length - i));
    await boss.insert(
      options.due.slice(i, i + 10_000).map((d) => ({
        name: QUEUE,
        data: { reminderId: d.id },
        startAfter: d.dueAt.toISOString(),
      })),
    );
  }
  queued.done();
  const work = new BaselineWork(options.ds, options.provider, WORKER);
  let done = 0;
  await options.meter?.start();
  const started = performance.now();
  const worker = async () => {
    while (done < options.due.length) {
      const jobs = await boss.fetch<{ reminderId: string }>(QUEUE, {
        batchSize: options.batchSize,
      });
      if (!jobs || jobs.length === 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      await work.handle(jobs.map((j) => j.data.reminderId));
      await boss.complete(
        QUEUE,
        jobs.map((j) => j.id),
      );
      done += jobs.length;
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cost = (await options.meter?.stop(done, 'job')) ?? null;
  await boss.stop({ graceful: false, wait: true });
  return { jobs: done, seconds, cost, workers: options.workers, batchSize: options.batchSize };
}
