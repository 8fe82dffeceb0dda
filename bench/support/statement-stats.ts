import { Client } from 'pg';
import type { BenchDatabase } from './database';

/** Restarts the fresh embedded server with pg_stat_statements loaded (`nested`: track = all). */
export async function loadStatementStats(
  database: BenchDatabase,
  options: { nested?: boolean } = {},
): Promise<void> {
  if (!database.restart) throw new Error('BENCH_STATEMENTS needs the embedded database');
  const c = new Client({ connectionString: database.url });
  await c.connect();
  await c.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
  // Planning too: a statement sent as plain text is planned again every time it runs.
  await c.query(`ALTER SYSTEM SET pg_stat_statements.track_planning = on`);
  // Statements run inside functions and triggers too, to see what a trigger costs.
  if (options.nested) await c.query(`ALTER SYSTEM SET pg_stat_statements.track = 'all'`);
  await c.end();
  await database.restart();
  const d = new Client({ connectionString: database.url });
  await d.connect();
  await d.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await d.end();
}

/** Every statement run since the last reset, per unit of work, the costliest first. */
export async function printStatementsPer(
  db: Client,
  units: number,
  what: string,
  top = 25,
): Promise<void> {
  const { rows } = await db.query(
    `SELECT calls::int, total_exec_time AS ms, total_plan_time AS plan,
            left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q
     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
     ORDER BY total_exec_time + total_plan_time DESC`,
  );
  const calls = rows.reduce((a, r) => a + Number(r.calls), 0);
  const ms = rows.reduce((a, r) => a + Number(r.ms), 0);
  const plan = rows.reduce((a, r) => a + Number(r.plan), 0);
  console.log(
    `statements: ${(calls / units).toFixed(1)} per ${what}, ${(ms / units).toFixed(2)} ms of ` +
      `execution and ${(plan / units).toFixed(2)} ms of planning per ${what} (${calls} statements, ` +
      `${ms.toFixed(0)} + ${plan.toFixed(0)} ms, ${units} ${what}s)`,
  );
  for (const r of rows.slice(0, top)) {
    console.log(
      `  ${(r.calls / units).toFixed(3).padStart(7)}/${what} ${(r.ms / units).toFixed(3).padStart(7)} ms` +
        ` + ${(r.plan / units).toFixed(3).padStart(6)} ms plan/${what}  ${r.q}`,
    );
  }
}
