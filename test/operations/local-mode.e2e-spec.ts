import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniquePhone } from '../support/factories';
import { pickFreePort as freePort } from '../../src/startup/free-port';

/**
 * `npm start` on a laptop: no DATABASE_URL, no ADMIN_TOKEN. The real entry point, in a child
 * process, must start an embedded PostgreSQL under the data directory, print a generated admin
 * token with a ready-to-paste curl command, keep data across a restart and stop cleanly.
 */
const root = join(__dirname, '..', '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function start(env: Record<string, string>, port: number): Promise<Started> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv.DATABASE_URL;
  delete childEnv.ADMIN_TOKEN;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited early: ${out}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`not ready in 90 s: ${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, output: () => out, exited };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

describe('local mode (npm start without DATABASE_URL)', () => {
  jest.setTimeout(180_000);

  it('starts an embedded PostgreSQL, prints a token, keeps data across restarts, stops cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'turnout-local-'));
    const port = await freePort();
    const pgPort = await freePort();
    const env = {
      TURNOUT_DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      DISPATCH_INTERVAL_MS: '0',
      INBOX_INTERVAL_MS: '0',
    };
    // On a terminal (LOG_FORMAT=pretty stands for one): short lines, the banner last.
    const first = await start({ ...env, LOG_FORMAT: 'pretty' }, port);
    const token = /Admin token \(kept in .*admin-token\): (\S+)/.exec(first.output())?.[1];
    expect(token).toBeDefined();
    const lines = first.output().trimEnd().split('\n');
    expect(lines.at(-1)).toContain(`-d '{"name":"Lakeside Dental"`);
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
    // Nest's forty module and route lines are debug, so the banner stays on screen.
    expect(lines.length).toBeLessThan(16);
    expect(first.output()).toContain(`curl -s -X POST http://localhost:${port}/v1/clinics`);

    const created = await fetch(`http://127.0.0.1:${port}/v1/clinics`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'Laptop Clinic',
        timezone: 'America/Chicago',
        senderNumber: uniquePhone(),
        provider: { type: 'fake' },
      }),
    });
    expect(created.status).toBe(201);
    const { apiKey, id } = (await created.json()) as { apiKey: string; id: string };

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await portOpen(port)).toBe(false);
    expect(await portOpen(pgPort)).toBe(false); // the embedded database stopped too

    // On a pipe: JSON only, every line through pino, the token's file rather than the token.
    const second = await start({ ...env, LOG_FORMAT: '' }, port);
    try {
      const records = second
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; adminTokenFile?: string });
      expect(records.map((record) => record.msg)).not.toContainEqual(
        expect.stringMatching(/Nest application|dependencies initialized|Mapped \{/),
      );
      expect(records.at(-1)?.adminTokenFile).toBe(join(dataDir, 'admin-token'));
      expect(second.output()).not.toContain(token);
      const read = await fetch(`http://127.0.0.1:${port}/v1/clinic`, {
        headers: { Authorization: `Bearer ${apiKey}` },
      });
      expect(read.status).toBe(200);
      expect(((await read.json()) as { id: string }).id).toBe(id);
    } finally {
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    }
  });
});
