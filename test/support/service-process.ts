import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(__dirname, '..', '..');

import { pickFreePort as freePort } from '../../src/startup/free-port';
export { freePort };

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** everything the process wrote, stdout (pino's JSON lines) and stderr */
  output: string[];
}

/**
 * The real service, as `npm start` runs it minus the build (TypeScript loaded by ts-node), or
 * with `compiled` the build itself (the bundle in `dist/`, as `npm run start:prod`): it starts
 * several times faster, which a test that restarts processes every few seconds needs.
 */
export async function startServiceProcess(
  env: Record<string, string>,
  options: { compiled?: boolean } = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  const entry = join(ROOT, 'dist', 'src', 'main-bundled.js');
  const bundle = join(ROOT, 'dist', 'src', 'bundle', 'main.js');
  if (options.compiled && !existsSync(bundle)) {
    throw new Error(`${bundle} is missing: run \`npm run build\` first`);
  }
  const child = spawn(
    process.execPath,
    options.compiled
      ? [entry]
      : ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited: ${output.join('')}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) return { child, url, output };
    if (Date.now() > deadline) throw new Error('service not ready within 60 s');
    await sleep(50);
  }
}

/** SIGTERM, as an orchestrator stops it; SIGKILL after `graceMs` if it has not exited. */
export async function stopServiceProcess(service: ServiceProcess, graceMs = 20_000): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  const exited = once(service.child, 'exit');
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
