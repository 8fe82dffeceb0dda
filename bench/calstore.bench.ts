/**
 * npm run bench:calstore
 *
 * The calendar store against a real Radicale (CalDAV) and the local FHIR R4 server of
 * test/support/fhir: a calendar of BENCH_EVENTS events (default 5,000) read into appointments
 * the first time, then an incremental read after BENCH_EDITS of them changed (default 50), then
 * BENCH_CHANGES staff cancellations (default 1,000) written back through the outbox. Prints, for
 * each step, the wall time, the requests made to the store, the CPU of the Turnout process
 * (the service, run in this process) and of the store's own process (Radicale; the FHIR test
 * server, run in a child process for this). Seeding is setup, not measured: Radicale's .ics files
 * are written straight into its collection folder, the FHIR server seeds itself. Runs the app
 * in process on a fresh database (DATABASE_URL's server, or an embedded PostgreSQL).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { CalendarWriteBack } from '../src/calendar/calendar-write-back.service';
import { CalendarSync } from '../src/calendar/store/calendar-sync.service';
import { dataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/migrations';
import { createClinic, TestClinic } from '../test/support/factories';
import { CalendarApp, RADICALE_USER, startRadicale } from '../test/support/radicale';
import { startTestApp, TestApp } from '../test/support/test-app';
import { visitIcs } from './support/calstore-fixtures';
import { freshDatabase } from './support/database';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5_000);
const EDITS = Number(process.env.BENCH_EDITS ?? 50);
const CHANGES = Math.min(Number(process.env.BENCH_CHANGES ?? 1_000), EVENTS);

let requests = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
  requests += 1;
  return realFetch(input, init);
};

function procCpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, 100 Hz ticks
}

interface Step {
  store: string;
  step: string;
  seconds: number;
  requests: number;
  turnoutCpuS: number;
  storeCpuS: number | null;
  result: string;
}

async function measure(
  store: string,
  step: string,
  storePid: number | undefined,
  run: () => Promise<string>,
): Promise<Step> {
  const r0 = requests;
  const cpu0 = process.cpuUsage();
  const s0 = procCpuMs(storePid);
  const t0 = performance.now();
  const result = await run();
  const cpu = process.cpuUsage(cpu0);
  return {
    store,
    step,
    seconds: (performance.now() - t0) / 1000,
    requests: requests - r0,
    turnoutCpuS: (cpu.user + cpu.system) / 1e6,
    storeCpuS: storePid ? (procCpuMs(storePid) - s0) / 1000 : null,
    result,
  };
}

async function syncAll(t: TestApp, c: TestClinic): Promise<string> {
  const sync = t.app.get(CalendarSync);
  await t.ds.query(
    `UPDATE calendar_store_syncs
     SET next_sync_at = CASE WHEN clinic_id = $1 THEN $2::timestamptz ELSE 'infinity' END`,
    [c.id, t.clock.now()],
  );
  const o = (await sync.runOnce()).find((x) => x.clinicId === c.id);
  if (!o?.ok) throw new Error(`sync failed: ${o?.error}`);
  return `created ${o.created}, updated ${o.updated}, unchanged ${o.unchanged}, unmapped ${o.unmapped}`;
}

function cancelAndWrite(
  t: TestApp,
  c: TestClinic,
): { prepare: () => Promise<void>; write: () => Promise<string> } {
  return {
    prepare: async () => {
      const ids: { id: string }[] = await t.ds.query(
        `SELECT id FROM appointments WHERE clinic_id = $1 ORDER BY starts_at LIMIT $2`,
        [c.id, CHANGES],
      );
      for (let i = 0; i < ids.length; i += 20) {
        await Promise.all(
          ids
            .slice(i, i + 20)
            .map((r) =>
              t.http.patch(`/v1/appointments/${r.id}`).set(c.auth).send({ status: 'cancelled' }),
            ),
        );
      }
    },
    write: async () => {
      const service = t.app.get(CalendarWriteBack);
      while ((await service.runOnce()) > 0);
      const [row]: { delivered: number; other: number }[] = await t.ds.query(
        `SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
                count(*) FILTER (WHERE status <> 'delivered')::int AS other
         FROM calendar_deliveries WHERE clinic_id = $1`,
        [c.id],
      );
      return `${row.delivered} written, ${row.other} not`;
    },
  };
}

async function caldav(t: TestApp): Promise<Step[]> {
  const radicale = await startRadicale();
  try {
    const pid = radicalePid(radicale.folder);
    const cal = new CalendarApp(await radicale.calendar('bench'));
    // Seeding is setup: the .ics files written straight into the collection's folder (Radicale's
    // storage is one file per event), not PUT one by one (each PUT rescans the folder's caches).
    const folder = radicale.calendarFolder(cal.url);
    for (let n = 0; n < EVENTS; n++) writeFileSync(join(folder, `b-${n}.ics`), visitIcs(n));
    // One read of the whole calendar builds Radicale's item cache and sync history, as PUTs would
    // have: the first read measured below is Turnout's, not the cache's construction.
    await warmUp(cal.url);
    const c = await createClinic(t);
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({
        calendarStore: { type: 'caldav', url: cal.url, username: RADICALE_USER, password: 'x' },
      });
    const steps = [
      await measure('CalDAV (Radicale)', `first read, ${EVENTS} events`, pid, () => syncAll(t, c)),
    ];
    for (let n = 0; n < EDITS; n++) {
      await cal.edit(`b-${n}`, (body) => body.replace('LOCATION:Main St', 'LOCATION:Room 2'));
    }
    steps.push(
      await measure('CalDAV (Radicale)', `incremental read, ${EDITS} changed`, pid, () =>
        syncAll(t, c),
      ),
    );
    const changes = cancelAndWrite(t, c);
    await changes.prepare();
    steps.push(
      await measure('CalDAV (Radicale)', `write-back, ${CHANGES} changes`, pid, changes.write),
    );
    return steps;
  } finally {
    await radicale.stop();
  }
}

async function warmUp(url: string): Promise<void> {
  const res = await realFetch(url, {
    method: 'REPORT',
    headers: {
      authorization: `Basic ${Buffer.from(`${RADICALE_USER}:x`).toString('base64')}`,
      depth: '1',
      'content-type': 'application/xml',
    },
    body:
      '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token/>' +
      '<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>',
  });
  if (res.status !== 207) throw new Error(`warm-up REPORT: ${res.status}`);
  await res.text();
}

function radicalePid(folder: string): number | undefined {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(folder) && l.includes('radicale'));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

/** The FHIR test server in its own process (its CPU apart from Turnout's), seeded there. */
async function startFhirProcess(): Promise<{
  base: string;
  token: string;
  pid: number;
  stop: () => Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    [
      require.resolve('ts-node/dist/bin.js'),
      '--transpile-only',
      join(__dirname, 'support/fhir-server-process.ts'),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_EVENTS: String(EVENTS) } },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`FHIR server process exited: ${code}`)));
  });
  const { base, token } = JSON.parse(line) as { base: string; token: string };
  return {
    base,
    token,
    pid: child.pid!,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      await exited;
    },
  };
}

async function fhir(t: TestApp): Promise<Step[]> {
  const server = await startFhirProcess();
  const auth = { authorization: `Bearer ${server.token}` };
  const label = 'FHIR R4 (test server, own process)';
  try {
    const c = await createClinic(t);
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({
        calendarStore: {
          type: 'fhir',
          baseUrl: server.base,
          auth: { type: 'bearer', token: server.token },
        },
      });
    const steps = [
      await measure(label, `first read, ${EVENTS} appointments`, server.pid, () => syncAll(t, c)),
    ];
    // The EHR edits some (a comment), through its own REST API.
    for (let n = 0; n < EDITS; n++) {
      const res = await realFetch(`${server.base}/Appointment/a${n}`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json-patch+json' },
        body: JSON.stringify([{ op: 'add', path: '/comment', value: 'edited' }]),
      });
      if (res.status !== 200) throw new Error(`edit a${n}: ${res.status}`);
      await res.text();
    }
    steps.push(
      await measure(label, `incremental read, ${EDITS} changed`, server.pid, () => syncAll(t, c)),
    );
    const changes = cancelAndWrite(t, c);
    await changes.prepare();
    steps.push(await measure(label, `write-back, ${CHANGES} changes`, server.pid, changes.write));
    return steps;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const db = await freshDatabase('calstore');
  const ds = new DataSource(dataSourceOptions(db.url));
  await ds.initialize();
  await runMigrations(ds);
  await ds.destroy();
  const t = await startTestApp({ env: { DATABASE_URL: db.url, CALENDAR_TIMEOUT_MS: '60000' } });
  try {
    const which = process.env.BENCH_STORES ?? 'caldav,fhir';
    const steps: Step[] = [];
    if (which.includes('caldav')) steps.push(...(await caldav(t)));
    if (which.includes('fhir')) steps.push(...(await fhir(t)));
    console.log(
      `\ncalendar store bench: ${EVENTS} events, ${EDITS} edits, ${CHANGES} changes; ${db.description}`,
    );
    for (const s of steps) {
      console.log(
        `${s.store.padEnd(34)} ${s.step.padEnd(34)} ${s.seconds.toFixed(2).padStart(7)} s ` +
          `${String(s.requests).padStart(6)} requests  Turnout CPU ${s.turnoutCpuS.toFixed(2)} s` +
          (s.storeCpuS === null ? '' : `  store CPU ${s.storeCpuS.toFixed(2)} s`) +
          `  (${s.result})`,
      );
    }
  } finally {
    await t.close();
    await db.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
