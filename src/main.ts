import 'reflect-metadata';
import { createApp } from './app.factory';
import { ConfigError, loadConfig, loadEnvFile, type AppConfig } from './config/app-config';
import { runMigrations } from './database/migrations';
import { firstUseBanner, firstUseFields, localAdminToken } from './local-mode';
import { createRootLogger, type RootLogger } from './logging/root-logger';
import { isPortFree } from './startup/free-port';
import { openDatabase } from './startup/open-database';
import { StartupError } from './startup/startup-error';

async function bootstrap(config: AppConfig, log: RootLogger, onStop: Set<() => Promise<void>>) {
  // Checked first: finding out after a slow database start-up wastes the newcomer's time.
  if (!(await isPortFree(config.port))) {
    throw new StartupError(
      `port ${config.port} is in use (another Turnout?): stop what listens there, or set PORT to a free port`,
    );
  }
  const say = (message: string) => log.info({ context: 'Turnout' }, message);
  const { databaseUrl, dataSource, embedded } = await openDatabase(config, say);
  if (embedded) onStop.add(() => embedded.stop());
  const generatedToken = config.adminToken ? undefined : localAdminToken(config.dataDir);
  const adminToken = config.adminToken ?? generatedToken!;

  try {
    const applied = await runMigrations(dataSource);
    say(`migrations: ${applied.length} applied`);
  } finally {
    await dataSource.destroy();
  }

  const app = await createApp({ ...config, databaseUrl, adminToken });
  // Stop the HTTP server first (Nest's shutdown hooks), then the database under it.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: shutting down`);
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  try {
    await app.listen(config.port);
  } catch (err) {
    await app.close();
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    throw new StartupError(
      `port ${config.port} is in use (another Turnout?): stop what listens there, or set PORT to a free port`,
    );
  }
  say(`listening on port ${config.port}`);
  // Last, so it is what a newcomer sees on the terminal.
  if (generatedToken) {
    if (config.logFormat === 'pretty') {
      process.stdout.write(firstUseBanner(config.publicBaseUrl, generatedToken, config.dataDir));
    } else {
      log.info(
        { context: 'Turnout', ...firstUseFields(config.publicBaseUrl, config.dataDir) },
        'first use: the admin token is in adminTokenFile; firstRequest creates a clinic',
      );
    }
  }
}

loadEnvFile();
let config: AppConfig;
try {
  config = loadConfig();
} catch (err) {
  const log = createRootLogger('info', process.stdout.isTTY ? 'pretty' : 'json');
  log.fatal(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
  process.exit(1);
}
const log = createRootLogger(config.logLevel, config.logFormat);
const cleanUp = new Set<() => Promise<void>>();
bootstrap(config, log, cleanUp).catch(async (err: unknown) => {
  if (err instanceof StartupError) log.fatal({ context: 'Turnout' }, err.message);
  else log.fatal({ context: 'Turnout', err }, 'start-up failed');
  for (const stop of cleanUp) await stop().catch(() => undefined);
  process.exit(1);
});
