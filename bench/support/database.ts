import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedDatabase, pickFreePort as freePort } from '../../src/bench-seam';

export interface BenchDatabase {
  url: string;
  /** "embedded PostgreSQL 18 (fresh)" or "DATABASE_URL (fresh database)" */
  description: string;
  stop(): Promise<void>;
  /** Stops and starts the server (empties its buffer cache); embedded servers only. */
  restart?: () => Promise<void>;
}

export { freePort };

/**
 * A fresh database for one benchmark run: a new embedded PostgreSQL in a temporary directory,
 * or, when DATABASE_URL is set, a new database on that server (dropped afterwards).
 */
export async function freshDatabase(name: string): Promise<BenchDatabase> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const admin = new Client({ connectionString: external });
    await admin.connect();
    const db = `${name}_${process.pid}_${Math.floor(performance.now())}`;
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    const url = new URL(external);
    url.pathname = `/${db}`;
    return {
      url: url.toString(),
      description: `PostgreSQL at ${url.host} (fresh database ${db})`,
      stop: async () => {
        const c = new Client({ connectionString: external });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  // The app's own embedded database, so a bench runs as root from a private clone too.
  const dir = mkdtempSync(join(tmpdir(), `turnout-${name}-`));
  const pg = new EmbeddedDatabase({
    dataDir: dir,
    port: await freePort(),
    database: name,
    // Kept on stop, so that restart() can start it again; removed by our own stop().
    persistent: true,
    log: (message) => console.log(message),
  });
  const url = await pg.start();
  const c = new Client({ connectionString: url });
  await c.connect();
  const version = (await c.query('SHOW server_version')).rows[0].server_version as string;
  await c.end();
  return {
    url,
    description: `embedded PostgreSQL ${version} (fresh)`,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await pg.stop();
      await pg.start();
    },
  };
}
