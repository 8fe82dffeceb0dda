import { DueSignals, OUTBOUND_WORK } from '../../src/bench-seam';
import { Client } from 'pg';
import { progress } from './progress';

export interface DispatchFixture {
  clinics: number;
  /** reminders due days from now: the table the dispatcher must not trip over */
  future: number;
  /** reminders the phases make due, listed in bench_due (id, ord) */
  due: number;
}

/**
 * Clinics on the in-process `fake` provider with the highest cap a clinic can have (1,000/s
 * each, so the cap path runs but never binds), their patients, one appointment per reminder.
 * Written with set-based SQL through the real schema: every index, check and foreign key.
 */
export async function seed(client: Client, f: DispatchFixture): Promise<void> {
  const patientsPerClinic = 2_000;
  // A bulk load, as pg_restore does one: the rows are consistent by construction, so the
  // foreign-key triggers are skipped and commits do not wait for the disk. The schema, its
  // indexes and its checks are the real ones.
  await client.query(`SET session_replication_role = replica`);
  await client.query(`SET synchronous_commit = off`);
  await client.query(`SET maintenance_work_mem = '256MB'`);
  await client.query(
    `INSERT INTO clinics (name, timezone, sender_number, provider_type, keyword_replies,
       webhook_secret, send_rate_per_second, quiet_hours_start, quiet_hours_end)
     SELECT 'Clinic ' || n, 'America/Chicago', '+1312' || (5550000 + n)::text, 'fake', 'turnout',
            '{"webhookSecret": "whsec_bench"}', 1000, NULL, NULL
     FROM generate_series(1, $1) AS n`,
    [f.clinics],
  );
  await client.query(
    `INSERT INTO patients (clinic_id, phone, name, language)
     SELECT c.id, '+1773' || lpad(n::text, 7, '0'), 'Patient ' || n,
            CASE WHEN n % 5 = 0 THEN 'es' ELSE 'en' END
     FROM clinics c CROSS JOIN generate_series(1, $1) AS n`,
    [patientsPerClinic],
  );
  const patients = f.clinics * patientsPerClinic;
  await client.query(
    `CREATE TEMP TABLE numbered AS
     SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id, clinic_id FROM patients`,
  );
  await client.query(`ALTER TABLE numbered ADD PRIMARY KEY (n)`);
  // Appointments and their P1D reminder, in chunks so a terminal shows progress: future ones
  // 3 to 30 days out (their reminders two days away at least), then the due set's, two days out.
  const seeding = progress('seeding appointments and reminders', f.future + f.due);
  const chunk = 100_000;
  for (const [prefix, count, startsAt] of [
    [
      'F-',
      f.future,
      `date_trunc('minute', now() + interval '3 days' + random() * interval '27 days')`,
    ],
    ['D-', f.due, `now() + interval '2 days'`],
  ] as const) {
    for (let from = 0; from < count; from += chunk) {
      const size = Math.min(chunk, count - from);
      await client.query(
        `WITH a AS (
           INSERT INTO appointments (clinic_id, external_id, patient_id, starts_at, ends_at,
             duration_minutes)
           SELECT p.clinic_id, '${prefix}' || i, p.id, s.at, s.at + interval '30 minutes', 30
           FROM generate_series($1::int, $1::int + $2::int - 1) AS i
           JOIN numbered p ON p.n = i % $3
           CROSS JOIN LATERAL (SELECT ${startsAt} AS at) s
           RETURNING clinic_id, id, starts_at)
         INSERT INTO reminders (clinic_id, appointment_id, "offset", planned_for, due_at, run_at,
           status)
         SELECT clinic_id, id, 'P1D', starts_at, starts_at - interval '1 day',
                starts_at - interval '1 day', 'pending'
         FROM a`,
        [from, size, patients],
      );
      seeding.add(size);
    }
  }
  seeding.done();
  // The due set, in a random order across clinics; parked a day ahead until a phase starts.
  await client.query(
    `CREATE TABLE bench_due AS
     SELECT r.id, (row_number() OVER (ORDER BY random()) - 1)::int AS ord
     FROM reminders r JOIN appointments a ON a.id = r.appointment_id
     WHERE a.external_id LIKE 'D-%'`,
  );
  await client.query(`ALTER TABLE bench_due ADD PRIMARY KEY (id)`);
  await client.query(`RESET session_replication_role`);
  await client.query(`RESET synchronous_commit`);
  // Measure a database in its steady state, not the aftermath of the load: vacuumed (or the
  // autovacuum of a million fresh rows runs during the first phase), statistics current,
  // the load's WAL checkpointed.
  await client.query('VACUUM (ANALYZE) clinics, patients, appointments, reminders');
  await client.query('CHECKPOINT');
  // Every phase starts from the same warm cache rather than the first paying for the reads.
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  await client.query(
    `SELECT sum(pg_prewarm(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')`,
  );
}

/**
 * Makes the due set due again from `startMs` (epoch ms), `perSecond` a second in `ord` order
 * (Infinity: all at once), as pending reminders that were never tried.
 */
export async function makeDue(client: Client, startMs: number, perSecond: number): Promise<void> {
  const stepMs = Number.isFinite(perSecond) ? 1000 / perSecond : 0;
  await client.query(
    `UPDATE reminders r
     SET status = 'pending', attempts = 0, lease_until = NULL, leased_by = NULL, sent_at = NULL,
         reason = NULL, message_id = NULL,
         due_at = to_timestamp($1 / 1000.0) + b.ord * $2 * interval '1 millisecond',
         run_at = to_timestamp($1 / 1000.0) + b.ord * $2 * interval '1 millisecond'
     FROM bench_due b WHERE r.id = b.id`,
    [startMs, stepMs],
  );
}

/**
 * What a producer does when it commits due work: wake the outbound pipelines (LISTEN/NOTIFY),
 * telling them when the first of it is due. Without it they would find the work at their next
 * safety-net poll.
 */
export async function announceDue(client: Client, startMs: number): Promise<void> {
  const at = startMs > Date.now() ? new Date(startMs) : undefined;
  const { channel, payload } = DueSignals.wake(OUTBOUND_WORK, at);
  await client.query(`SELECT pg_notify($1, $2)`, [channel, payload]);
}

/**
 * The same starting point for every phase: the dead rows the last one left vacuumed away and
 * its writes checkpointed, so no phase pays for its predecessor.
 */
export async function settle(client: Client): Promise<void> {
  await client.query('VACUUM (ANALYZE) reminders, messages, sender_budgets');
  await client.query('CHECKPOINT');
}

/** Parks the due set a day ahead: nothing claims it until the next phase. */
export async function park(client: Client): Promise<void> {
  await client.query(
    `UPDATE reminders r
     SET status = 'pending', attempts = 0, lease_until = NULL, leased_by = NULL, sent_at = NULL,
         reason = NULL, message_id = NULL,
         due_at = now() + interval '1 day', run_at = now() + interval '1 day'
     FROM bench_due b WHERE r.id = b.id`,
  );
}

export interface DueStats {
  sent: number;
  other: number;
  /** sent on a second provider call or later */
  retried: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Lateness of the due set: sent time minus due time, from the rows themselves. */
export async function dueStats(client: Client): Promise<DueStats> {
  const { rows } = await client.query(
    `SELECT count(*) FILTER (WHERE r.status = 'sent')::int AS sent,
            count(*) FILTER (WHERE r.status <> 'sent')::int AS other,
            count(*) FILTER (WHERE r.attempts > 1)::int AS retried,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY l.ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY l.ms) AS p99,
            max(l.ms) AS max
     FROM reminders r JOIN bench_due b ON b.id = r.id
     CROSS JOIN LATERAL (
       SELECT extract(epoch FROM r.sent_at - r.due_at) * 1000 AS ms
     ) l`,
  );
  const row = rows[0] as Record<string, string | number | null>;
  return {
    sent: Number(row.sent),
    other: Number(row.other),
    retried: Number(row.retried),
    p50Ms: Number(row.p50 ?? NaN),
    p99Ms: Number(row.p99 ?? NaN),
    maxMs: Number(row.max ?? NaN),
  };
}

export async function countSent(client: Client): Promise<number> {
  const { rows } = await client.query(
    `SELECT count(*)::int AS n FROM reminders r JOIN bench_due b ON b.id = r.id
     WHERE r.status = 'sent'`,
  );
  return Number((rows[0] as { n: number }).n);
}

/**
 * Lateness of the due set second by second of due time (p50 and max per second): tells a
 * single stall (a few bad seconds) from lateness spread over the whole run.
 */
export async function latenessBySecond(
  client: Client,
): Promise<{ second: number; n: number; p50Ms: number; maxMs: number }[]> {
  const { rows } = await client.query(
    `WITH l AS (
       SELECT floor(extract(epoch FROM r.due_at))::bigint AS s,
              extract(epoch FROM r.sent_at - r.due_at) * 1000 AS ms
       FROM reminders r JOIN bench_due b ON b.id = r.id WHERE r.status = 'sent'
     )
     SELECT s - min(s) OVER () AS second, count(*)::int AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, max(ms) AS max
     FROM l GROUP BY s ORDER BY s`,
  );
  return (rows as { second: string; n: number; p50: number; max: number }[]).map((r) => ({
    second: Number(r.second),
    n: r.n,
    p50Ms: Number(r.p50),
    maxMs: Number(r.max),
  }));
}
