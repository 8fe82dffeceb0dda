import 'reflect-metadata';
import { createApp } from './app.factory';
import { ConfigError, loadConfig, loadEnvFile, type AppConfig } from './config/app-config';
import { runMigrations } from './database/migrations';
import { firstUseBanner, firstUseFields, localAdminToken } from './local-mode';
import { createRootLogger, type RootLogger } from './logging/root-logger';
import { isPortFree } from './startup/free-port';
import { openDatabase } from './startup/open-database';
import { announceStarted } from './startup/started';
import { StartupError } from './startup/startup-error';

/** What to stop on shutdown, last started first: the HTTP app, then the database under it. */
type Stoppable = () => Promise<void>;

async function bootstrap(config: AppConfig, log: RootLogger, onStop: Stoppable[]) {
  // Checked first: finding out after a slow database start-up wastes the newcomer's time.
  if (!(await isPortFree(config.port))) {
    throw new StartupError(
      `port ${config.port} is in use (another Turnout?): stop what listens there, or set PORT to a free port`,
    );
  }
  const say = (message: string) => log.info({ context: 'Turnout' }, message);
  const { databaseUrl, dataSource, embedded } = await openDatabase(config, say);
  if (embedded) onStop.push(() => embedded.stop());
  const generatedToken = config.adminToken ? undefined : localAdminToken(config.dataDir);
  const adminToken = config.adminToken ?? generatedToken!;

  try {
    const applied = await runMigrations(dataSource);
    say(`migrations: ${applied.length} applied`);
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }

  // The app takes over the connection that checked the migrations (and closes it on stop):
  // one connect and one set of entity metadata per start, not two.
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp({ ...config, databaseUrl, adminToken }, dataSource);
  } catch (err) {
    await dataSource.destroy().catch(() => undefined);
    throw err;
  }
  onStop.push(() => app.close());
  try {
    await app.listen(config.port);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    throw new StartupError(
      `port ${config.port} is in use (another Turnout?): stop what listens there, or set PORT to a free port`,
    );
  }
  say(`listening on port ${config.port}`);
  announceStarted();
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
const onStop: Stoppable[] = [];
let stopping = false;
/**
 * Stops what has started, last first (HTTP server and in-flight work, then the database), once,
 * whether a signal or a failed start asked. A step that fails is logged and makes the exit code 1.
 */
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const stop of onStop.reverse()) {
      await stop().catch((err: unknown) => {
        log.error({ context: 'Turnout', err }, 'shutdown step failed');
        code = 1;
      });
    }
  }
  process.exit(code);
}
// Registered before anything starts, so a signal during start-up also stops the database.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ context: 'Turnout' }, `${signal}: shutting down`);
    void shutdown(0);
  });
}
bootstrap(config, log, onStop).catch(async (err: unknown) => {
  if (stopping) return;
  if (err instanceof StartupError) log.fatal({ context: 'Turnout' }, err.message);
  else log.fatal({ context: 'Turnout', err }, 'start-up failed');
  await shutdown(1);
});
