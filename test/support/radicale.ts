import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findTool } = require('./external-tools') as { findTool(name: string): string | undefined };

export interface Radicale {
  /** the server's root URL, http://127.0.0.1:<port>/ */
  base: string;
  /** the folder holding its collections (each event is a .ics file there) */
  folder: string;
  /** a new, empty calendar collection; its URL ends with '/' */
  calendar(name?: string): Promise<string>;
  /** the folder of one collection's files */
  calendarFolder(url: string): string;
  stop(): Promise<void>;
}

export const RADICALE_USER = 'clinic';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real CalDAV server (Debian's radicale) on a free loopback port, with its own config and
 * a temporary folder: no authentication check (any user), storage in the folder, removed by
 * `stop`. Waits until it answers, not a fixed time.
 */
export async function startRadicale(): Promise<Radicale> {
  const executable = findTool('Radicale');
  if (!executable) throw new Error('Radicale not found (set RADICALE to its path)');
  const folder = mkdtempSync(join(tmpdir(), 'turnout-radicale-'));
  const port = await freePort();
  const config = join(folder, 'config');
  writeFileSync(
    config,
    [
      '[server]',
      `hosts = 127.0.0.1:${port}`,
      '[auth]',
      'type = none',
      '[rights]',
      'type = authenticated',
      '[storage]',
      `filesystem_folder = ${join(folder, 'collections')}`,
      '[web]',
      'type = none',
      '[logging]',
      'level = warning',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(executable, ['--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const base = `http://127.0.0.1:${port}/`;
  const auth = `Basic ${Buffer.from(`${RADICALE_USER}:x`).toString('base64')}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`radicale exited: ${stderr}`);
    const up = await fetch(base, { method: 'OPTIONS', headers: { authorization: auth } })
      .then(() => true)
      .catch(() => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`radicale did not answer: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  let made = 0;
  return {
    base,
    folder,
    async calendar(name = `cal${++made}`) {
      const url = `${base}${RADICALE_USER}/${name}/`;
      const res = await fetch(url, { method: 'MKCALENDAR', headers: { authorization: auth } });
      if (res.status !== 201) throw new Error(`MKCALENDAR ${url}: ${res.status}`);
      return url;
    },
    calendarFolder(url: string) {
      const path = new URL(url).pathname.replace(/^\/|\/$/g, '');
      return join(folder, 'collections', 'collection-root', path);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A small CalDAV client for specs: the calendar as a person's calendar app would change it. */
export class CalendarApp {
  private readonly auth = `Basic ${Buffer.from(`${RADICALE_USER}:x`).toString('base64')}`;

  constructor(readonly url: string) {}

  href(uid: string): string {
    return `${this.url}${encodeURIComponent(uid)}.ics`;
  }

  async put(uid: string, vevent: string[]): Promise<string> {
    const body = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//spec//EN',
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20261120T000000Z',
      ...vevent,
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const res = await fetch(this.href(uid), {
      method: 'PUT',
      headers: { authorization: this.auth, 'content-type': 'text/calendar; charset=utf-8' },
      body,
    });
    if (res.status !== 201 && res.status !== 204) throw new Error(`PUT ${uid}: ${res.status}`);
    return res.headers.get('etag') ?? '';
  }

  async get(href: string): Promise<{ status: number; body: string; etag: string | null }> {
    const res = await fetch(href, { headers: { authorization: this.auth } });
    return { status: res.status, body: await res.text(), etag: res.headers.get('etag') };
  }

  async delete(uid: string): Promise<void> {
    const res = await fetch(this.href(uid), {
      method: 'DELETE',
      headers: { authorization: this.auth },
    });
    if (res.status !== 200 && res.status !== 204) throw new Error(`DELETE ${uid}: ${res.status}`);
  }

  /** Replaces lines of the stored event (the calendar app's edit), keeping the rest. */
  async edit(uid: string, change: (ics: string) => string): Promise<void> {
    const current = await this.get(this.href(uid));
    const res = await fetch(this.href(uid), {
      method: 'PUT',
      headers: { authorization: this.auth, 'content-type': 'text/calendar; charset=utf-8' },
      body: change(current.body),
    });
    if (res.status !== 201 && res.status !== 204) throw new Error(`edit ${uid}: ${res.status}`);
  }
}
