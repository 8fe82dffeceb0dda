import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './database';

export interface RunningService {
  baseUrl: string;
  pid: number;
  /** peak resident set size of the service process so far, in MiB (Linux VmHWM) */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

function profileDir(): string {
  const dir = process.env.BENCH_PROF ?? '1';
  return dir === '1' ? '/tmp/prof' : dir;
}

/**
 * Where the built service is: this checkout, or BENCH_SERVICE_ROOT (another checkout, built),
 * to run the same bench against two versions of the service, interleaved (A/B).
 */
export function serviceRoot(): string {
  return process.env.BENCH_SERVICE_ROOT ?? join(__dirname, '..', '..');
}

/** Starts the built service (dist/) as a child process and waits until it is ready. */
export async function startService(env: Record<string, string>): Promise<RunningService> {
  const port = await freePort();
  const root = serviceRoot();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_PROF=1 writes a CPU profile of the service to /tmp/prof, BENCH_PROF=<dir> to <dir>.
      ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profileDir()}`] : []),
      join(root, 'dist', 'src', 'main.js'),
    ],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${baseUrl}/health/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error('service did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    pid: child.pid!,
    peakRssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
