/**
 * npm run bench:import
 *
 * Starts the built service on a fresh database, uploads 100,000 appointments as 100 batches of
 * 1,000 through the HTTP API (one client with BENCH_CONCURRENCY batches in flight, default 2),
 * and prints appointments/s and the service's peak memory. Then loads the very same rows with
 * COPY into scratch tables shaped like the real ones (same columns, indexes and constraints,
 * including the overlap exclusion) as the physical reference, and prints the ratio.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { normalizePhone } from '../src/bench-seam';
import { freshDatabase } from './support/database';
import { startService } from './support/service';
import { progress } from './support/progress';

const TOTAL = Number(process.env.BENCH_TOTAL ?? 100_000);
const BATCH = 1_000;
/** batches in flight at once: 2 lets the service validate one while PostgreSQL writes another */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const PRACTITIONERS = 250;
/** BENCH_ROLLUP=off: the no-show report's triggers disabled, to measure what they cost */
const ROLLUP = process.env.BENCH_ROLLUP !== 'off';
const ROLLUP_TRIGGERS = [
  ['appointments', 'appointments_no_show_daily_insert'],
  ['appointments', 'appointments_no_show_daily_update'],
  ['appointment_events', 'appointment_events_text_facts'],
  ['reminders', 'reminders_reached_insert'],
  ['reminders', 'reminders_reached_update'],
];
const ADMIN = 'bench-admin-token-0123456789';

function phonePool(size: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < size; i++) {
    const candidate = `+1312${2 + (i % 8)}${String(100_000 + ((i * 7919) % 900_000)).padStart(6, '0')}`;
    if (normalizePhone(candidate, 'US') === candidate) out.push(candidate);
  }
  return [...new Set(out)];
}

/** Non-overlapping per practitioner: weekdays from 2027-01-04, 08:00-17:00 in 30-minute steps. */
function appointments(total: number): Record<string, unknown>[] {
  const phones = phonePool(Math.ceil(total * 0.7));
  const out: Record<string, unknown>[] = [];
  const perPractitioner = Math.ceil(total / PRACTITIONERS);
  for (let p = 0; p < PRACTITIONERS && out.length < total; p++) {
    let day = Date.UTC(2027, 0, 4);
    let slot = 0;
    for (let k = 0; k < perPractitioner && out.length < total; k++) {
      if (slot === 18) {
        slot = 0;
        day += 86_400_000;
        const weekday = new Date(day).getUTCDay();
        if (weekday === 6) day += 2 * 86_400_000;
      }
      const d = new Date(day).toISOString().slice(0, 10);
      const minutes = 8 * 60 + slot * 30;
      const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
      const mm = String(minutes % 60).padStart(2, '0');
      const i = out.length;
      out.push({
        externalId: `B-${i}`,
        patient: {
          name: `Patient ${i}`,
          phone: phones[i % phones.length],
          language: i % 5 === 0 ? 'es' : 'en',
        },
        // half wall times in the clinic's zone, half instants with an offset
        startsAt: i % 2 === 0 ? `${d}T${hh}:${mm}:00` : `${d}T${hh}:${mm}:00-06:00`,
        durationMinutes: 30,
        practitioner: `Dr. ${p}`,
        location: `Site ${p % 7}`,
        type: 'cleaning',
      });
      slot++;
    }
  }
  return out;
}

async function copyTable(client: Client, table: string): Promise<{ rows: number; ms: number }> {
  const scratch = `bench_copy_${table}`;
  await client.query(`DROP TABLE IF EXISTS ${scratch}`);
  await client.query(`CREATE TABLE ${scratch} (LIKE ${table} INCLUDING ALL)`);
  // generated columns are computed by COPY too, as by the import; they are not loaded
  const columns = await client.query(
    `SELECT column_name FROM information_schema.columns
     WHERE table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
    [table],
  );
  const list = columns.rows.map((r: { column_name: string }) => `"${r.column_name}"`).join(', ');
  const data = await client.query({ text: `SELECT ${list} FROM ${table}`, rowMode: 'array' });
  const csv = data.rows.map((r: unknown[]) => r.map(csvField).join(',')).join('\n') + '\n';
  const cols = data.fields.map((f) => `"${f.name}"`).join(', ');
  const started = performance.now();
  await pipeline(
    Readable.from([csv]),
    client.query(copyFrom(`COPY ${scratch} (${cols}) FROM STDIN WITH (FORMAT csv)`)),
  );
  return { rows: data.rows.length, ms: performance.now() - started };
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `"{${v.join(',')}}"`;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  console.log('building the service (nest build)...');
  execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
  const db = await freshDatabase('turnout_bench_import');
  const service = await startService({
    DATABASE_URL: db.url,
    ADMIN_TOKEN: ADMIN,
    DISPATCH_INTERVAL_MS: '0',
    INBOX_INTERVAL_MS: '0',
    API_RATE_LIMIT: '0',
  });
  try {
    const created = await fetch(`${service.baseUrl}/v1/clinics`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'Bench Clinic',
        timezone: 'America/Chicago',
        senderNumber: '+13125550100',
        provider: { type: 'fake' },
      }),
    });
    const clinic = (await created.json()) as { id: string; apiKey: string };
    if (!ROLLUP) {
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      for (const [table, trigger] of ROLLUP_TRIGGERS) {
        await admin.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
      }
      await admin.end();
    }
    const items = appointments(TOTAL);
    const bodies: string[] = [];
    for (let i = 0; i < items.length; i += BATCH) {
      bodies.push(JSON.stringify({ appointments: items.slice(i, i + BATCH) }));
    }
    console.log(
      `uploading ${items.length} appointments as ${bodies.length} batches of ${BATCH}, ${CONCURRENCY} in flight...`,
    );
    const latencies: number[] = [];
    let errors = 0;
    const uploaded = progress('uploading appointments', items.length);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const t0 = performance.now();
        const res = await fetch(`${service.baseUrl}/v1/appointments/batch`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${clinic.apiKey}`, 'Content-Type': 'application/json' },
          body,
        });
        const out = (await res.json()) as { results: { outcome: string }[] };
        if (res.status !== 200) {
          throw new Error(`batch answered ${res.status}: ${JSON.stringify(out).slice(0, 300)}`);
        }
        errors += out.results.filter((r) => r.outcome === 'error').length;
        latencies.push(performance.now() - t0);
        uploaded.add(out.results.length);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    uploaded.done();
    const importMs = performance.now() - started;
    const peak = service.peakRssMiB();

    const client = new Client({ connectionString: db.url });
    await client.connect();
    const counts = (
      await client.query(
        `SELECT (SELECT count(*) FROM appointments)::int AS appointments,
                (SELECT count(*) FROM patients)::int AS patients,
                (SELECT count(*) FROM reminders)::int AS reminders,
                (SELECT count(*) FROM appointment_events)::int AS events`,
      )
    ).rows[0] as Record<string, number>;
    const copyAppointments = await copyTable(client, 'appointments');
    const copyReminders = await copyTable(client, 'reminders');
    const copyPatients = await copyTable(client, 'patients');
    const copyEvents = await copyTable(client, 'appointment_events');
    await client.end();

    const rate = (TOTAL / importMs) * 1000;
    const allCopyMs = copyAppointments.ms + copyReminders.ms + copyPatients.ms + copyEvents.ms;
    console.log('');
    console.log(
      `machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
    );
    console.log(
      `database: ${db.description}; no-show report triggers: ${ROLLUP ? 'on' : 'OFF (BENCH_ROLLUP=off)'}`,
    );
    console.log(
      `rows written by the import: ${JSON.stringify(counts)}; items reported as errors: ${errors}`,
    );
    console.log(
      `HTTP import: ${TOTAL} appointments in ${(importMs / 1000).toFixed(2)} s = ${rate.toFixed(0)} appointments/s`,
    );
    console.log(
      `batch latency (1,000 items): p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
    );
    console.log(`service peak RSS: ${peak.toFixed(0)} MiB`);
    console.log(
      `COPY of the same appointment rows into a table LIKE appointments INCLUDING ALL: ${copyAppointments.ms.toFixed(0)} ms (${((copyAppointments.rows / copyAppointments.ms) * 1000).toFixed(0)} rows/s)`,
    );
    console.log(
      `ratio HTTP import / COPY (appointments): ${(importMs / copyAppointments.ms).toFixed(2)}x (goal: within 4x)`,
    );
    console.log(
      `COPY of every row the import wrote (appointments, reminders, patients, history): ${allCopyMs.toFixed(0)} ms; ratio ${(importMs / allCopyMs).toFixed(2)}x`,
    );
    console.log(
      `goal >= 5,000 appointments/s: ${rate >= 5000 ? 'met' : 'NOT met'}; within 4x of COPY: ${importMs / copyAppointments.ms <= 4 ? 'met' : 'NOT met'}`,
    );
    // The rate means nothing unless every appointment was stored, once.
    const stored = counts.appointments === TOTAL && errors === 0;
    console.log(
      `every appointment stored once: ${counts.appointments} of ${TOTAL}, ${errors} refused -> ${stored ? 'OK' : 'MISMATCH'}`,
    );
    if (!stored) process.exitCode = 1;
  } finally {
    await service.stop();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
