import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';

/**
 * What the database server spent, read load-insensitively: CPU of the postmaster and its
 * children from /proc/<pid>/stat (local servers only; null elsewhere), WAL bytes written and
 * transactions committed.
 */
export interface ServerCost {
  cpuMs: number | null;
  walBytes: number;
  commits: number;
  blocksHit: number;
}

export async function serverCost(client: Client): Promise<ServerCost> {
  const { rows } = await client.query(
    `SELECT current_setting('data_directory') AS dir,
            pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS wal,
            (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::float8 AS commits,
            (SELECT blks_hit FROM pg_stat_database WHERE datname = current_database())::float8 AS hit`,
  );
  const row = rows[0] as { dir: string; wal: number; commits: number; hit: number };
  return {
    cpuMs: serverCpuMs(row.dir),
    walBytes: row.wal,
    commits: row.commits,
    blocksHit: row.hit,
  };
}

function serverCpuMs(dataDir: string): number | null {
  try {
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const tick = 10; // ms per clock tick (USER_HZ 100)
    let total = 0;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue;
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(name);
      const ppid = Number(fields[1]);
      if (pid !== postmaster && ppid !== postmaster) continue;
      total += (Number(fields[11]) + Number(fields[12])) * tick;
      // A backend that exits (a pool closing an idle connection) takes its CPU out of the sum
      // above; the postmaster, which waits for it, carries it on as its children's time.
      if (pid === postmaster) total += (Number(fields[13]) + Number(fields[14])) * tick;
    }
    return total;
  } catch {
    return null;
  }
}

/** Per-unit difference of two readings, as a line. */
export function costPer(
  before: ServerCost,
  after: ServerCost,
  units: number,
  what: string,
): string {
  const per = (a: number | null, b: number | null) =>
    a === null || b === null ? 'n/a' : ((b - a) / units).toFixed(3);
  return (
    `per ${what}: postgres CPU ${per(before.cpuMs, after.cpuMs)} ms, ` +
    `WAL ${per(before.walBytes, after.walBytes)} B, commits ${per(before.commits, after.commits)}, ` +
    `buffers hit ${per(before.blocksHit, after.blocksHit)}`
  );
}

/** Row writes to the pipeline's tables, and how many of the updates were heap-only. */
export interface TableWrites {
  table: string;
  inserts: number;
  updates: number;
  hot: number;
}

const WRITTEN = ['reminders', 'messages', 'sender_budgets'];

export async function tableWrites(client: Client): Promise<TableWrites[]> {
  // This session's own writes (making rows due) flushed now, and a fresh snapshot: the
  // statistics of this session's snapshot would stay frozen otherwise.
  await client.query('SELECT pg_stat_force_next_flush()');
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query(
    `SELECT relname AS table, n_tup_ins::float8 AS inserts, n_tup_upd::float8 AS updates,
            n_tup_hot_upd::float8 AS hot
     FROM pg_stat_user_tables WHERE relname = ANY($1::text[]) ORDER BY relname`,
    [WRITTEN],
  );
  return rows as TableWrites[];
}

/**
 * What one phase cost per unit, load-insensitively: this process's CPU, the server's (see
 * costPer) and the pipeline tables' row writes (HOT: updates that wrote no index entry).
 * An idle backend reports its table statistics within 10 s (PGSTAT_IDLE_INTERVAL): they are
 * read that long after the work ended, its CPU and WAL at once.
 */
export interface Meter {
  start(): Promise<void>;
  /** the cost since start, per unit, as a line */
  stop(units: number, what: string): Promise<string>;
}

export function meter(client: Client): Meter {
  let cpu = process.cpuUsage();
  let server: ServerCost | null = null;
  let writes: TableWrites[] = [];
  return {
    async start(): Promise<void> {
      writes = await tableWrites(client);
      server = await serverCost(client);
      cpu = process.cpuUsage();
    },
    async stop(units: number, what: string): Promise<string> {
      const used = process.cpuUsage(cpu);
      const cost = costPer(server!, await serverCost(client), units, what);
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      const after = await tableWrites(client);
      const rows = after.map((a) => {
        const b = writes.find((w) => w.table === a.table) ?? { inserts: 0, updates: 0, hot: 0 };
        const per = (n: number) => (n / units).toFixed(2);
        return (
          `${a.table} ins ${per(a.inserts - b.inserts)} upd ${per(a.updates - b.updates)} ` +
          `hot ${per(a.hot - b.hot)}`
        );
      });
      return (
        `service CPU ${((used.user + used.system) / 1000 / units).toFixed(3)} ms per ${what}; ` +
        `${cost}; rows per ${what}: ${rows.join(', ')}`
      );
    },
  };
}

/** utime + stime of a process in ms (Linux /proc), 0 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
