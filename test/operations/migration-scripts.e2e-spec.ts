import { spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { pickFreePort as freePort } from '../../src/startup/free-port';
import { ensureBuilt } from '../support/build';

/**
 * The operator's migration scripts as a production install runs them: `npm run migration:*`
 * from the compiled dist/ (no ts-node), against a fresh database named by DATABASE_URL.
 */
const root = join(__dirname, '..', '..');
const CLI = join(root, 'dist', 'src', 'database', 'migration.cli.js');
const MIGRATIONS_DIR = join(root, 'migrations');

/** Every migration in migrations/, in file (timestamp) order, by the name each declares. */
function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .sort()
    .map((file) => {
      const declared = /\bname = '([^']+)'/.exec(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'));
      if (!declared) throw new Error(`${file} declares no migration name`);
      return declared[1];
    });
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run --silent <script> [-- args]`: the operator's command, npm's own chatter off. */
function npmRun(
  script: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
  cwd = root,
): Promise<Result> {
  const argv = ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])];
  const child = spawn('npm', argv, { cwd, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run migration:* from the compiled dist/', () => {
  jest.setTimeout(60_000);

  const dbName = `turnout_migration_scripts_${process.pid}`;
  const dbUrl = new URL(process.env.DATABASE_URL!);
  dbUrl.pathname = `/${dbName}`;
  const env = { DATABASE_URL: dbUrl.href, LOG_FORMAT: 'json' };
  const names = migrationNames();
  const last = names[names.length - 1];
  let db: Client;

  const script = (name: string) => npmRun(name, env);
  const ok = async (name: string): Promise<string> => {
    const result = await script(name);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    return result.stdout.trim();
  };
  const present = async (sql: string, params: string[]): Promise<boolean> =>
    (await db.query<{ present: boolean }>(sql, params)).rows[0].present;
  /** a table or an index (both are relations) */
  const relationExists = (name: string) =>
    present('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  const tableExists = relationExists;
  const indexExists = relationExists;
  const functionExists = (name: string) =>
    present('SELECT to_regproc($1) IS NOT NULL AS present', [name]);
  const columnExists = (table: string, column: string) =>
    present(
      `SELECT EXISTS (SELECT 1 FROM information_schema.columns
                      WHERE table_name = $1 AND column_name = $2) AS present`,
      [table, column],
    );
  const columnType = async (table: string, column: string): Promise<string | undefined> =>
    (
      await db.query<{ data_type: string }>(
        `SELECT data_type FROM information_schema.columns
         WHERE table_name = $1 AND column_name = $2`,
        [table, column],
      )
    ).rows[0]?.data_type;
  const recorded = async (): Promise<string[]> =>
    (
      await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY "timestamp"')
    ).rows.map((row) => row.name);

  beforeAll(async () => {
    ensureBuilt([
      CLI,
      ...readdirSync(MIGRATIONS_DIR).map((name) =>
        join(root, 'dist', 'migrations', name.replace(/\.ts$/, '.js')),
      ),
    ]);
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
      await admin.query(`CREATE DATABASE ${dbName}`);
    } finally {
      await admin.end();
    }
    db = new Client({ connectionString: dbUrl.href });
    await db.connect();
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it('finds the migrations it is meant to test', () => {
    expect(names.length).toBeGreaterThanOrEqual(2);
    expect(last).toBe('CalendarWriteConflicts1795981000000');
  });

  it('show, on a fresh database: every migration in migrations/ pending, in order', async () => {
    expect(await ok('migration:show')).toBe(names.map((n) => `[ ] ${n}`).join('\n'));
  });

  it('run applies them all; the tables exist; show then lists them applied', async () => {
    expect(await ok('migration:run')).toBe(
      [`migrations: ${names.length} applied`, ...names.map((n) => `  ${n}`)].join('\n'),
    );
    expect(await recorded()).toEqual(names);
    // the first migration's table, an earlier table, an earlier trigger function, an earlier
    // index, an earlier migration's table and function, the last migration's function
    expect(await tableExists('clinics')).toBe(true);
    expect(await tableExists('console_sign_in_links')).toBe(true);
    expect(await functionExists('no_show_reached_fact')).toBe(true);
    expect(await indexExists('slots_held_for')).toBe(true);
    expect(await tableExists('no_show_delta')).toBe(true);
    expect(await functionExists('no_show_daily_fold')).toBe(true);
    expect(await functionExists('appointment_text_fact')).toBe(true);
    expect(await columnExists('webhook_inbox', 'claims')).toBe(true);
    expect(await columnType('clinics', 'webhook_secret')).toBe('jsonb');
    expect(await columnType('clinics', 'flowroute_path_secret')).toBe('jsonb');
    expect(await tableExists('audit_entries')).toBe(true);
    expect(await functionExists('audit_entries_append_only')).toBe(true);
    expect(await columnExists('console_sessions', 'staff_id')).toBe(true);
    expect(await tableExists('experiment_assignments')).toBe(true);
    expect(await tableExists('appointment_risk')).toBe(true);
    expect(await tableExists('broadcast_recipients')).toBe(true);
    expect(await columnType('clinics', 'office_hours')).toBe('jsonb');
    expect(await columnType('clinics', 'require_consent_evidence')).toBe('boolean');
    expect(await columnType('messages', 'media')).toBe('jsonb');
    expect(await columnType('clinics', 'max_routine_texts_per_patient_per_day')).toBe('integer');
    expect(await tableExists('patient_daily_texts')).toBe(true);
    expect(await columnExists('calendar_store_syncs', 'calendar_kept')).toBe(true);
    expect(await tableExists('missed_visits')).toBe(true);
    expect(await ok('migration:show')).toBe(names.map((n) => `[X] ${n}`).join('\n'));
  });

  it('revert undoes exactly the last one; show lists it pending', async () => {
    expect(await ok('migration:revert')).toBe(`reverted ${last}`);
    expect(await columnExists('calendar_store_syncs', 'calendar_kept')).toBe(false);
    expect(await columnExists('calendar_store_syncs', 'reconciled_at')).toBe(false);
    expect(await tableExists('calendar_store_links')).toBe(true);
    expect(await tableExists('patient_daily_texts')).toBe(true);
    expect(await tableExists('missed_visits')).toBe(true);
    expect(await columnExists('clinics', 'calendar_store')).toBe(true);
    expect(await columnExists('messages', 'media')).toBe(true);
    expect(await columnExists('clinics', 'require_consent_evidence')).toBe(true);
    expect(await columnExists('clinics', 'office_hours')).toBe(true);
    expect(await tableExists('appointment_risk')).toBe(true);
    expect(await tableExists('risk_models')).toBe(true);
    expect(await columnExists('clinics', 'extra_reminder')).toBe(true);
    expect(await tableExists('broadcast_recipients')).toBe(true);
    expect(await tableExists('experiment_assignments')).toBe(true);
    expect(await tableExists('audit_entries')).toBe(true);
    expect(await columnType('clinics', 'flowroute_path_secret')).toBe('jsonb');
    expect(await columnType('clinics', 'webhook_secret')).toBe('jsonb');
    expect(await functionExists('appointment_text_fact')).toBe(true);
    expect(await tableExists('no_show_delta')).toBe(true);
    expect(await indexExists('slots_held_for')).toBe(true);
    expect(await columnExists('webhook_inbox', 'claims')).toBe(true);
    expect(await functionExists('no_show_reached_fact')).toBe(true);
    expect(await tableExists('console_sign_in_links')).toBe(true);
    expect(await recorded()).toEqual(names.slice(0, -1));
    expect(await ok('migration:show')).toBe(
      names.map((n) => `${n === last ? '[ ]' : '[X]'} ${n}`).join('\n'),
    );
  });

  it('run again re-applies only it; a further run applies nothing', async () => {
    expect(await ok('migration:run')).toBe(`migrations: 1 applied\n  ${last}`);
    expect(await tableExists('patient_daily_texts')).toBe(true);
    expect(await columnType('clinics', 'flowroute_path_secret')).toBe('jsonb');
    expect(await tableExists('calendar_store_syncs')).toBe(true);
    expect(await columnType('clinics', 'office_hours')).toBe('jsonb');
    expect(await tableExists('appointment_risk')).toBe(true);
    expect(await tableExists('broadcast_recipients')).toBe(true);
    expect(await recorded()).toEqual(names);
    expect(await ok('migration:run')).toBe('migrations: 0 applied');
    expect(await ok('migration:show')).toBe(names.map((n) => `[X] ${n}`).join('\n'));
  });

  it('against an unreachable DATABASE_URL: exit 1, one line naming the problem, no stack', async () => {
    const port = await freePort();
    const result = await npmRun('migration:run', {
      DATABASE_URL: `postgres://turnout:secret-pw@127.0.0.1:${port}/turnout`,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `cannot reach PostgreSQL at postgres://turnout@127.0.0.1:${port}/turnout: connection ` +
        'refused; start it, or fix DATABASE_URL (unset it to use the embedded PostgreSQL)\n',
    );
  });

  describe('migration:create, in a temporary copy of the repository', () => {
    let clone: string;
    const before = readdirSync(MIGRATIONS_DIR);

    beforeAll(() => {
      clone = mkdtempSync(join(tmpdir(), 'turnout-migration-create-'));
      for (const entry of ['src', 'package.json', 'tsconfig.json']) {
        cpSync(join(root, entry), join(clone, entry), { recursive: true });
      }
      mkdirSync(join(clone, 'migrations'));
      symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
    });

    afterAll(() => {
      rmSync(clone, { recursive: true, force: true });
      // nothing was written into the real migrations/
      expect(readdirSync(MIGRATIONS_DIR)).toEqual(before);
    });

    it('writes migrations/<epoch ms>-<Name>.ts, an empty migration of that name', async () => {
      const from = Date.now();
      const result = await npmRun('migration:create', env, ['AddRecallNotes'], clone);
      const to = Date.now();
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const files = readdirSync(join(clone, 'migrations'));
      expect(files).toEqual([expect.stringMatching(/^\d{13}-AddRecallNotes\.ts$/)]);
      const stamp = Number(files[0].split('-')[0]);
      expect(stamp).toBeGreaterThanOrEqual(from);
      expect(stamp).toBeLessThanOrEqual(to);
      const path = join(clone, 'migrations', files[0]);
      expect(result.stdout).toBe(`created ${path}\n`);
      const text = readFileSync(path, 'utf8');
      expect(text).toContain(`export class AddRecallNotes${stamp} implements MigrationInterface`);
      expect(text).toContain(`name = 'AddRecallNotes${stamp}';`);
    });

    it('refuses a name that is not PascalCase, in one line, writing nothing', async () => {
      const result = await npmRun('migration:create', env, ['add_recall_notes'], clone);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'migration:create wants a PascalCase name: ' +
          'usage: migration.cli (run | revert | show | create <PascalCaseName>)\n',
      );
      expect(readdirSync(join(clone, 'migrations'))).toHaveLength(1);
    });
  });
});
