import { Client } from 'pg';

export interface SeedPlan {
  clinicId: string;
  appointments: number;
  /** the first local date; the seed covers 365 days from it */
  firstDay: string;
  practitioners: number;
  /** called after each chunk (about a month) with the appointments seeded so far */
  progress: (done: number, total: number) => void;
}

/** About a month per transaction: the temporary plan table stays small. */
const CHUNK_DAYS = 31;

/**
 * Seeds one clinic's year with INSERT ... SELECT generate_series, as the workflow would leave it:
 * patients; appointments on a 30-minute grid per practitioner (the overlap constraint holds),
 * statuses of a year gone by; their history (import, patient replies, staff, automatic
 * no-shows); reminders (P2D and PT2H: sent, delivered, failed, skipped); the outbound texts and
 * the patients' inbound replies. Runs inside `bulkLoad`: the appointments carry the report's
 * facts as the triggers would have set them from those rows, and the rollup is built afterwards
 * with the migration's own function. The bench checks the result against a count from the
 * source tables.
 */
export async function seedYear(client: Client, plan: SeedPlan): Promise<Record<string, number>> {
  const phases: Record<string, number> = {};
  const timed = async (phase: string, sql: string, params: unknown[] = []) => {
    const t0 = performance.now();
    await client.query(sql, params);
    phases[phase] = (phases[phase] ?? 0) + performance.now() - t0;
  };
  const tz = (await client.query(`SELECT timezone FROM clinics WHERE id = $1`, [plan.clinicId]))
    .rows[0].timezone as string;
  const perDay = Math.ceil(plan.appointments / 365);
  const slotsPerDay = Math.ceil(perDay / plan.practitioners);
  if (slotsPerDay > 44) throw new Error('too many appointments per practitioner per day');
  const patients = Math.max(1000, Math.floor(plan.appointments / 5));
  // Ids as the service's gen_random_uuid() would give them (random), but derived from the number
  // so that the appointments below find their patient without a lookup per row.
  const patientId = (clinic: string, i: string) => `md5(${clinic}::text || ':' || ${i})::uuid`;
  await timed(
    'patients',
    `INSERT INTO patients (id, clinic_id, phone, name, language)
     SELECT ${patientId('$1', 'i')}, $1::uuid, '+1' || (2000000000 + i)::text,
            'Patient ' || i, CASE WHEN i % 5 = 0 THEN 'es' ELSE 'en' END
     FROM generate_series(1, $2::int) i`,
    [plan.clinicId, patients],
  );
  let done = 0;
  for (let first = 0; first < 365; first += CHUNK_DAYS) {
    const days = Math.min(CHUNK_DAYS, 365 - first);
    const want = Math.min(plan.appointments - done, days * perDay);
    if (want <= 0) break;
    await client.query('BEGIN');
    // k enumerates this chunk's appointments: day, practitioner and slot follow from it.
    await timed(
      'plan',
      `CREATE TEMP TABLE seed ON COMMIT DROP AS
       SELECT *,
              -- what happened to it, decided once: the rows below and the facts follow from it
              r % 100 < 55 AND r < 960 AS replied_confirm,
              r % 100 BETWEEN 55 AND 57 AND r < 800 AS replied_slot,
              r BETWEEN 800 AND 850 AS replied_cancel,
              CASE WHEN r % 10 = 9 THEN 'skipped' WHEN r % 50 = 0 THEN 'failed'
                   ELSE 'delivered' END AS p2d,
              CASE WHEN r BETWEEN 800 AND 919 THEN 'cancelled' WHEN r % 3 = 0 THEN 'sent'
                   ELSE 'skipped' END AS pt2h,
              ${patientId('$8', '1 + (r * 7919 + k) % $7::int')} AS patient_id,
              gen_random_uuid() AS reminder_message_id
       FROM (
       SELECT gen_random_uuid() AS id, k,
              ((($2::date + ($3::int + k / $4::int)) + time '07:00'
                  + ((k % $4::int) / $5::int) * interval '20 min') AT TIME ZONE $6::text) AS starts_at,
              'Dr. ' || (k % $4::int % $5::int) AS practitioner,
              'Site ' || (k % $4::int % $5::int % 7) AS location,
              (ARRAY['cleaning', 'checkup', 'x-ray', 'filling', 'crown', NULL])
                [1 + abs(hashint4(k::int + $3::int * 100000)) % 6] AS type,
              abs(hashint4(k::int * 7 + $3::int)) % 1000 AS r
       FROM generate_series(0, $1::int - 1) k) planned`,
      [want, plan.firstDay, first, perDay, plan.practitioners, tz, patients, plan.clinicId],
    );
    await timed(
      'appointments',
      `INSERT INTO appointments (id, clinic_id, external_id, patient_id, starts_at, ends_at,
         duration_minutes, practitioner, location, type, status, created_at, updated_at,
         confirmed_by_text, rescheduled_by_text, cancelled_by_text, reminder_reached)
       SELECT s.id, $1::uuid, 'S-' || $2::int || '-' || s.k, s.patient_id,
              s.starts_at, s.starts_at + interval '15 min', 15, s.practitioner, s.location, s.type,
              CASE WHEN s.r < 550 THEN 'completed' WHEN s.r < 700 THEN 'arrived'
                   WHEN s.r < 800 THEN 'no_show' WHEN s.r < 920 THEN 'cancelled'
                   WHEN s.r < 960 THEN 'confirmed' ELSE 'scheduled' END,
              s.starts_at - interval '20 days', s.starts_at,
              -- the facts the triggers would have set from the rows below (checked at the end);
              -- reminder_reached is kept for no-shows only (1795744000000)
              s.replied_confirm OR s.replied_slot, s.replied_slot, s.replied_cancel,
              s.r BETWEEN 700 AND 799 AND (s.p2d = 'delivered' OR s.pt2h = 'sent')
       FROM seed s`,
      [plan.clinicId, first],
    );
    // History: created by upload; replies (confirm ~55%, slot ~3%, cancel ~4% of the cancelled);
    // staff marks; automatic no-shows.
    await timed(
      'history',
      `INSERT INTO appointment_events (clinic_id, appointment_id, at, event, from_status, to_status, source)
       SELECT $1::uuid, s.id, s.starts_at - interval '20 days', 'CREATED', NULL, 'scheduled', 'import' FROM seed s
       UNION ALL
       SELECT $1::uuid, s.id, s.starts_at - interval '2 days', 'REPLY_CONFIRM', 'scheduled', 'confirmed', 'patient'
       FROM seed s WHERE s.replied_confirm
       UNION ALL
       SELECT $1::uuid, s.id, s.starts_at - interval '2 days', 'REPLY_SLOT', 'reschedule_requested', 'confirmed', 'patient'
       FROM seed s WHERE s.replied_slot
       UNION ALL
       SELECT $1::uuid, s.id, s.starts_at - interval '2 days', 'REPLY_CANCEL', 'scheduled', 'cancelled', 'patient'
       FROM seed s WHERE s.replied_cancel
       UNION ALL
       SELECT $1::uuid, s.id, s.starts_at, 'STAFF_ARRIVED', 'confirmed', 'arrived', 'staff' FROM seed s WHERE s.r < 700
       UNION ALL
       SELECT $1::uuid, s.id, s.starts_at + interval '45 min', 'NO_SHOW_TIMEOUT', 'scheduled', 'no_show', 'system'
       FROM seed s WHERE s.r BETWEEN 700 AND 799`,
      [plan.clinicId],
    );
    // Texts: the P2D reminder of nearly all, the PT2H one of most; replies come back inbound.
    await timed(
      'messages',
      `INSERT INTO messages (id, clinic_id, patient_id, appointment_id, direction, kind, body,
         status, from_number, to_number, provider_type, provider_message_id, created_at, sent_at)
       SELECT s.reminder_message_id, $1::uuid, s.patient_id, s.id, 'outbound', 'reminder',
              'Bench Clinic: reminder of your appointment. Reply C to confirm, R to reschedule, X to cancel.',
              CASE WHEN s.p2d = 'failed' THEN 'undelivered' ELSE 'delivered' END,
              '+13125550100', '+13125550101', 'fake', 'fake-' || s.id, s.starts_at - interval '2 days',
              s.starts_at - interval '2 days'
       FROM seed s WHERE s.p2d <> 'skipped'
       UNION ALL
       SELECT gen_random_uuid(), $1::uuid, s.patient_id, s.id, 'inbound', 'inbound', 'C',
              'received', '+13125550101', '+13125550100', 'fake', 'fake-in-' || s.id,
              s.starts_at - interval '47 hours', NULL
       FROM seed s WHERE s.replied_confirm`,
      [plan.clinicId],
    );
    await timed(
      'reminders',
      `INSERT INTO reminders (clinic_id, appointment_id, "offset", planned_for, due_at, status,
         run_at, attempts, sent_at, reason, message_id)
       SELECT $1::uuid, s.id, 'P2D', s.starts_at, s.starts_at - interval '2 days',
              s.p2d, s.starts_at - interval '2 days', 1, s.starts_at - interval '2 days',
              CASE WHEN s.p2d = 'skipped' THEN 'too_late' END,
              CASE WHEN s.p2d <> 'skipped' THEN s.reminder_message_id END
       FROM seed s
       UNION ALL
       SELECT $1::uuid, s.id, 'PT2H', s.starts_at, s.starts_at - interval '2 hours',
              s.pt2h, s.starts_at - interval '2 hours', 0, NULL, NULL, NULL
       FROM seed s`,
      [plan.clinicId],
    );
    await timed('commit', 'COMMIT');
    done += want;
    plan.progress(done, plan.appointments);
  }
  return Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)]));
}

/** The tables the seed fills, whose plain indexes are built after the load. */
const LOADED_TABLES = ['appointments', 'appointment_events', 'reminders', 'messages'];

/**
 * Runs `load` as a bulk load, then leaves the database as the workflow would have:
 * - triggers off while loading (session_replication_role = replica): the rollup triggers, and the
 *   foreign key checks, which the seed's rows satisfy by construction;
 * - the loaded tables' plain full indexes (no constraint behind them, no WHERE) dropped while
 *   loading and then created again from their own definitions (pg_get_indexdef): one sorted
 *   build each instead of millions of inserts at random places. Keys, unique and exclusion
 *   constraints stay and are checked row by row (a GiST build of the overlap constraint
 *   afterwards costs as much as keeping it), and so do the partial indexes, which no seeded row
 *   enters. The indexes afterwards must be exactly the ones before;
 * - the rollup built for every clinic with the migration's own `no_show_daily_rebuild`, the SQL
 *   its backfill uses.
 * Returns the milliseconds of the index builds and of the rollup.
 */
export async function bulkLoad(
  client: Client,
  load: () => Promise<void>,
): Promise<{ indexes: number; rollup: number }> {
  const indexDefs = async () =>
    (
      await client.query(
        `SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index
         WHERE indrelid = ANY ($1::regclass[]) ORDER BY 1`,
        [LOADED_TABLES],
      )
    ).rows.map((r: { def: string }) => r.def);
  const before = await indexDefs();
  const plain = (
    await client.query(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
       WHERE i.indrelid = ANY ($1::regclass[]) AND i.indpred IS NULL
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
      [LOADED_TABLES],
    )
  ).rows as { name: string; def: string }[];
  await client.query(`SET session_replication_role = replica`);
  for (const index of plain) await client.query(`DROP INDEX ${index.name}`);
  await load();
  await client.query(`SET session_replication_role = DEFAULT`);
  const t0 = performance.now();
  await client.query(`SET maintenance_work_mem = '256MB'`);
  for (const index of plain) await client.query(index.def);
  await client.query(`RESET maintenance_work_mem`);
  const after = await indexDefs();
  if (after.join('\n') !== before.join('\n')) {
    throw new Error(`the indexes differ after the load: ${after.join('; ')}`);
  }
  const t1 = performance.now();
  await client.query(`SELECT no_show_daily_rebuild(id) FROM clinics`);
  return { indexes: Math.round(t1 - t0), rollup: Math.round(performance.now() - t1) };
}
