import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';
import { dataSourceOptions } from './database/data-source-options';
import { EmbeddedDatabase } from './database/embedded-database';
import { runMigrations } from './database/migrations';
import { firstUseBanner, localAdminToken } from './local-mode';
import { DataSource } from 'typeorm';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const log = new Logger('Turnout');
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = new EmbeddedDatabase(config.dataDir, config.embeddedPostgresPort);
    log.log(`DATABASE_URL is not set: starting the embedded PostgreSQL under ${config.dataDir}`);
    databaseUrl = await embedded.start();
  }
  const generatedToken = config.adminToken ? undefined : localAdminToken(config.dataDir);
  const adminToken = config.adminToken ?? generatedToken!;

  const migrator = new DataSource(dataSourceOptions(databaseUrl));
  await migrator.initialize();
  const applied = await runMigrations(migrator);
  await migrator.destroy();
  log.log(`migrations: ${applied.length} applied`);

  const app = await createApp({ ...config, databaseUrl, adminToken });
  // Stop the HTTP server first (Nest's shutdown hooks), then the database under it.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log(`${signal}: shutting down`);
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await app.listen(config.port);
  if (generatedToken) {
    console.log(firstUseBanner(config.publicBaseUrl, generatedToken, config.dataDir));
  }
  log.log(`listening on port ${config.port}`);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
  process.exit(1);
});
