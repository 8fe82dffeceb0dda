import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { EmbeddedDatabase } from '../database/embedded-database';
import { databaseStartupError } from './database-errors';

export interface OpenedDatabase {
  databaseUrl: string;
  /** connected; the caller destroys it */
  dataSource: DataSource;
  /** set in local mode: stop it after everything that uses the database */
  embedded?: EmbeddedDatabase;
}

/**
 * DATABASE_URL, or the embedded PostgreSQL when it is unset, connected once so that every way
 * it can fail (unreachable, wrong password, no such database) stops start-up with one line.
 */
export async function openDatabase(
  config: AppConfig,
  log: (message: string) => void,
): Promise<OpenedDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log(`DATABASE_URL is not set: starting the embedded PostgreSQL under ${config.dataDir}`);
    embedded = new EmbeddedDatabase({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
      database: 'turnout',
      persistent: true,
      log,
      callerHandlesSignals: true,
    });
    databaseUrl = await embedded.start();
  }
  const dataSource = new DataSource(dataSourceOptions(databaseUrl));
  try {
    await dataSource.initialize();
  } catch (err) {
    await embedded?.stop();
    throw databaseStartupError(err, databaseUrl) ?? err;
  }
  return { databaseUrl, dataSource, embedded };
}
