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
