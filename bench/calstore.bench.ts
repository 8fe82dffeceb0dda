/**
 * npm run bench:calstore
 *
 * The calendar store against a real Radicale (CalDAV) and the local FHIR R4 server of
 * test/support/fhir: a calendar of BENCH_EVENTS events (default 5,000) read into appointments
 * the first time, then an incremental read after BENCH_EDITS of them changed (default 50), then
 * BENCH_CHANGES staff cancellations (default 1,000) written back through the outbox. Prints, for
 * each step, the wall time, the requests made to the store, and the CPU of the Turnout process
 * (service and, for FHIR, the in-process test server) and of Radicale's process. Runs the app in
 * process on a fresh database (DATABASE_URL's server, or an embedded PostgreSQL).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { CalendarWriteBack } from '../src/calendar/calendar-write-back.service';
import { CalendarSync } from '../src/calendar/store/calendar-sync.service';
import { dataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/migrations';
import { createClinic, TestClinic } from '../test/support/factories';
import { FhirTestServer } from '../test/support/fhir/fhir-test-server';
import { CalendarApp, RADICALE_USER, startRadicale } from '../test/support/radicale';
import { startTestApp, TestApp } from '../test/support/test-app';
import { freshDatabase } from './support/database';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5_000);
const EDITS = Number(process.env.BENCH_EDITS ?? 50);
const CHANGES = Math.min(Number(process.env.BENCH_CHANGES ?? 1_000), EVENTS);
const PRACTITIONERS = 50;

let requests = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
  requests += 1;
  return realFetch(input, init);
};

/** Visit i: practitioner i % 50, weekdays from 2027-01-04 in 30-minute slots 08:00-17:00 (UTC). */
function slot(i: number): { practitioner: string; start: Date } {
  const j = Math.floor(i / PRACTITIONERS);
  const day = Math.floor(j / 18);
  const start = new Date(Date.UTC(2027, 0, 4 + day, 14 + Math.floor((j % 18) / 2), (j % 2) * 30));
  return { practitioner: `Dr. P${i % PRACTITIONERS}`, start };
}
const phone = (i: number) => `+1312${2 + (i % 8)}${String(100_000 + i).padStart(6, '0')}`;
const ics = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

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
    for (let i = 0; i < EVENTS; i += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, EVENTS - i) }, (_, k) => {
          const n = i + k;
          const { practitioner, start } = slot(n);
          return cal.put(`b-${n}`, [
            `DTSTART:${ics(start)}`,
            `DTEND:${ics(new Date(start.getTime() + 30 * 60_000))}`,
            `ORGANIZER;CN=${practitioner}:mailto:p${n % PRACTITIONERS}@x.example`,
            `ATTENDEE;CN=Patient ${n}:tel:${phone(n)}`,
            'LOCATION:Main St',
            'CATEGORIES:checkup',
          ]);
        }),
      );
    }
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

function radicalePid(folder: string): number | undefined {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(folder) && l.includes('radicale'));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

async function fhir(t: TestApp): Promise<Step[]> {
  const server = new FhirTestServer();
  server.maxPageSize = 100;
  await server.start();
  try {
    for (let n = 0; n < EVENTS; n++) {
      const { practitioner, start } = slot(n);
      server.put({
        resourceType: 'Patient',
        id: `p${n}`,
        name: [{ text: `Patient ${n}` }],
        telecom: [{ system: 'sms', value: phone(n) }],
      });
      if (n < PRACTITIONERS)
        server.put({ resourceType: 'Practitioner', id: `d${n}`, name: [{ text: practitioner }] });
      server.put({
        resourceType: 'Appointment',
        id: `a${n}`,
        status: 'booked',
        start: start.toISOString(),
        end: new Date(start.getTime() + 30 * 60_000).toISOString(),
        participant: [
          { actor: { reference: `Patient/p${n}` }, status: 'needs-action' },
          { actor: { reference: `Practitioner/d${n % PRACTITIONERS}` }, status: 'accepted' },
        ],
      });
    }
    const c = await createClinic(t);
    await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({
        calendarStore: {
          type: 'fhir',
          baseUrl: server.base,
          auth: { type: 'bearer', token: server.staticToken },
        },
      });
    const steps = [
      await measure(
        'FHIR R4 (test server, in process)',
        `first read, ${EVENTS} appointments`,
        undefined,
        () => syncAll(t, c),
      ),
    ];
    for (let n = 0; n < EDITS; n++)
      server.put({ ...server.get(`Appointment/a${n}`)!, comment: 'edited' });
    steps.push(
      await measure(
        'FHIR R4 (test server, in process)',
        `incremental read, ${EDITS} changed`,
        undefined,
        () => syncAll(t, c),
      ),
    );
    const changes = cancelAndWrite(t, c);
    await changes.prepare();
    steps.push(
      await measure(
        'FHIR R4 (test server, in process)',
        `write-back, ${CHANGES} changes`,
        undefined,
        changes.write,
      ),
    );
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
