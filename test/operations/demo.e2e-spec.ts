import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickFreePort as freePort } from '../../src/startup/free-port';

/**
 * `npm run demo` end to end, in a child process as a newcomer runs it: its own embedded
 * PostgreSQL, the week played through the API, the report printed as a table, a sign-in link
 * that opens the console, and the service still running afterwards. Every process it starts is
 * in one process group, killed in afterAll, so jest never waits on a leftover.
 */
const root = join(__dirname, '..', '..');
const DEADLINE_MS = 180_000;

describe('npm run demo', () => {
  jest.setTimeout(DEADLINE_MS + 60_000);
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  let dataDir = '';
  let out = '';

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      // The demo forwards SIGTERM to the service, which stops its database; then the group.
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-child!.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 30_000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('plays the week, prints the report and a working sign-in link, and keeps serving', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnout-demo-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TURNOUT_DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
    };
    delete env.DATABASE_URL;
    const started = Date.now();
    child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/demo/demo.cli.ts'],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    exited = new Promise((resolve) => child!.once('exit', resolve));
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));

    while (!out.includes('Press Ctrl-C to stop.')) {
      if (child.exitCode !== null) throw new Error(`the demo exited ${child.exitCode}:\n${out}`);
      if (Date.now() - started > DEADLINE_MS) throw new Error(`not done in 3 minutes:\n${out}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // Under 3 minutes, on a machine shared with other work.
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);

    // The report's table: today's session adds one no-show per kind a reminder can leave.
    const lines = out.split('\n');
    const head = lines.findIndex((l) => l.startsWith('No-show report, '));
    expect(lines[head + 1]).toMatch(/^practitioner\s+Appts\s+Came\s+No-show\s+Cancel\s+Rate/);
    const total = lines
      .find((l) => l.startsWith('Total '))!
      .trim()
      .split(/\s{2,}/);
    // 24 past (19 came, 5 no-shows, unreached), 9 live, 24 ahead; Dev's visit moved to tomorrow.
    expect(total).toEqual(['Total', '57', '23', '8', '1', '25.8%', '3', '1', '2', '5', '1', '1']);
    expect(out).toMatch(/Dr\. Ortiz +1 +0 +0 +0 +- +1 +0 +0 +0 +1 +0/);
    // The finished experiment's table: two variants, seeded at 15% and 6% no-shows.
    const experiment = lines.findIndex((l) => l.startsWith('Experiment "cost of a missed visit"'));
    expect(lines[experiment]).toBe('Experiment "cost of a missed visit" (ended)');
    expect(lines[experiment + 1]).toMatch(/^Variant\s+Appts\s+Came\s+No-show\s+Rate\s+95% CI/);
    expect(lines[experiment + 3]).toMatch(/^control\s+\d+\s+\d+\s+\d+\s+1[45]\.\d%/);
    expect(lines[experiment + 4]).toMatch(/^cost\s+\d+\s+\d+\s+\d+\s+[56]\.\d%\s+\S+\s+-\d/);
    expect(lines[experiment + 6]).toMatch(/^Variant cost had fewer no-shows than control/);
    for (const step of [
      'Reminders for the live session: 9/9',
      'Answers applied: 9/9',
      'No-shows, marked by the system',
      "Tomorrow's call list, highest risk first (staff only, never texted):",
    ]) {
      expect(out).toContain(step);
    }

    // The risk model learned from the history; tomorrow's riskiest visit has its reasons.
    expect(out).toMatch(/Risk model fitted on \d{3} finished visits/);
    expect(out).toMatch(/\n {2}\d\d:\d\d .+: \d+% (high|medium|low) \(.+\)\n/);

    // The printed link signs the console in, once.
    const url = /signed in \(one use, 15 minutes\): (\S+)/.exec(out)![1];
    expect(url).toMatch(new RegExp(`^http://localhost:${port}/console/sign-in\\?token=sl_`));
    const page = await fetch(url.replace('localhost', '127.0.0.1'), { redirect: 'manual' });
    expect(page.status).toBe(200);
    const token = new URL(url).searchParams.get('token')!;
    const signIn = await fetch(`http://127.0.0.1:${port}/console/sign-in`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      redirect: 'manual',
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/console');
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toMatch(/^turnout_session=cs_/);
    const clinic = await fetch(`http://127.0.0.1:${port}/v1/clinic`, {
      headers: { Cookie: cookie },
    });
    expect(clinic.status).toBe(200);
    expect(await clinic.json()).toMatchObject({ name: 'Lakeside Dental (demo)' });
    const inbox = await fetch(`http://127.0.0.1:${port}/v1/conversations?needsAttention=true`, {
      headers: { Cookie: cookie },
    });
    const items = ((await inbox.json()) as { items: { patientName: string }[] }).items;
    expect(items.map((i) => i.patientName).sort()).toEqual(['Fay Lin', 'Ida Kowalski']);
    // The key printed beside it works for the paste-in sign-in too.
    const key = /paste the clinic key: (tk_\S+)/.exec(out)![1];
    const pasted = await fetch(`http://127.0.0.1:${port}/v1/console/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiKey: key }),
    });
    expect(pasted.status).toBe(204);
    expect(child.exitCode).toBeNull();
  });
});
