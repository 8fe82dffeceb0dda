import 'reflect-metadata';
import { SystemClock } from '../common/clock/clock';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadEnvFile } from '../config/app-config';
import { createRootLogger } from '../logging/root-logger';
import { openDatabase } from '../startup/open-database';
import { StartupError } from '../startup/startup-error';
import {
  appliedMigrationNames,
  assertNoNewerMigrations,
  revertLastMigration,
  runMigrations,
} from './migrations';

const USAGE = 'usage: migration.cli (run | revert | show | create <PascalCaseName>)';

/**
 * `npm run migration:*`: from the compiled dist/ (a production install has no ts-node), against
 * DATABASE_URL, or the local embedded PostgreSQL when it is unset.
 */
async function main(command: string | undefined, name: string | undefined): Promise<string> {
  if (command === 'create') return create(name);
  if (!['run', 'revert', 'show'].includes(command ?? '')) throw new StartupError(USAGE);
  const config = loadConfig();
  const log = createRootLogger(config.logLevel, config.logFormat);
  const { dataSource, embedded } = await openDatabase(config, (m) => log.info(m));
  try {
    if (command === 'run') {
      const applied = await runMigrations(dataSource);
      return `migrations: ${applied.length} applied${applied.map((m) => `\n  ${m.name}`).join('')}`;
    }
    if (command === 'revert') {
      const reverted = await revertLastMigration(dataSource);
      return reverted ? `reverted ${reverted}` : 'no migration is applied';
    }
    await assertNoNewerMigrations(dataSource);
    const applied = new Set(await appliedMigrationNames(dataSource));
    return dataSource.migrations
      .map((m) => m.name ?? m.constructor.name)
      .map((n) => `${applied.has(n) ? '[X]' : '[ ]'} ${n}`)
      .join('\n');
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

/** A developer's new, empty migration in ./migrations, named `<epoch ms>-<Name>.ts`. */
function create(name: string | undefined): string {
  if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    throw new StartupError(`migration:create wants a PascalCase name: ${USAGE}`);
  }
  // A file name for a developer: the system clock, through the port like everything else.
  const stamp = new SystemClock().now().getTime();
  const file = join(process.cwd(), 'migrations', `${stamp}-${name}.ts`);
  if (!existsSync(join(process.cwd(), 'migrations'))) {
    throw new StartupError('migration:create runs from the repository root (no ./migrations here)');
  }
  writeFileSync(
    file,
    `import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why this change, in a sentence or two. */
export class ${name}${stamp} implements MigrationInterface {
  name = '${name}${stamp}';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`\`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`\`);
  }
}
`,
  );
  return `created ${file}`;
}

loadEnvFile();
main(process.argv[2], process.argv[3]).then(
  (summary) => console.log(summary),
  (err: unknown) => {
    const known = err instanceof StartupError || err instanceof ConfigError;
    console.error(known ? err.message : err);
    process.exit(1);
  },
);
