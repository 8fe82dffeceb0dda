import { DataSource, Migration } from 'typeorm';
import { StartupError } from '../startup/startup-error';

/** Fixed key for pg_advisory_lock: instances starting together migrate one at a time. */
const MIGRATION_LOCK_KEY = 7_741_001;

/**
 * Migrations recorded in the database that this build does not have: the database was migrated
 * by a newer Turnout. Starting on it would run old code on a schema it does not know.
 */
export async function migrationsUnknownToThisBuild(ds: DataSource): Promise<string[]> {
  const known = new Set(
    ds.migrations.map((migration) => migration.name ?? migration.constructor.name),
  );
  return (await appliedMigrationNames(ds)).filter((name) => !known.has(name));
}

export async function assertNoNewerMigrations(ds: DataSource): Promise<void> {
  const unknown = await migrationsUnknownToThisBuild(ds);
  if (unknown.length === 0) return;
  throw new StartupError(
    `the database has migrations this version of Turnout does not know (${unknown.join(', ')}): ` +
      'it was migrated by a newer version; run that version, or revert them with it ' +
      '(npm run migration:revert) before starting this one',
  );
}

export async function runMigrations(ds: DataSource): Promise<Migration[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await assertNoNewerMigrations(ds);
    return await ds.runMigrations({ transaction: 'each' });
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await runner.release();
  }
}

/** Reverts the last applied migration; returns its name, or undefined when none is applied. */
export async function revertLastMigration(ds: DataSource): Promise<string | undefined> {
  const before = await appliedMigrationNames(ds);
  await assertNoNewerMigrations(ds);
  await ds.undoLastMigration({ transaction: 'each' });
  return before.at(-1);
}

export async function appliedMigrationNames(ds: DataSource): Promise<string[]> {
  const table = ds.options.migrationsTableName ?? 'migrations';
  const [{ present }] = await ds.query<[{ present: boolean }]>(
    'SELECT to_regclass($1) IS NOT NULL AS present',
    [table],
  );
  if (!present) return [];
  const rows = await ds.query<{ name: string }[]>(
    `SELECT name FROM "${table}" ORDER BY "timestamp"`,
  );
  return rows.map((row) => row.name);
}

/** Ready means every migration this build knows about is applied. */
export async function pendingMigrations(ds: DataSource): Promise<boolean> {
  return ds.showMigrations();
}
