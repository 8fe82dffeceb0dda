import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoConfig } from '../config/demo-config';

/**
 * The real service (src/main.ts) in a child process, in local mode: no DATABASE_URL, so it
 * starts its embedded PostgreSQL under the demo's data directory. Its log goes to a file in
 * that directory, so the terminal shows the demo's story rather than the service's lines.
 */
export class DemoService {
  readonly logFile: string;
  readonly baseUrl: string;
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    private readonly config: DemoConfig,
    private readonly root: string,
  ) {
    this.logFile = join(config.dataDir, 'service.log');
    this.baseUrl = `http://localhost:${config.port}`;
  }

  start(): void {
    const env: NodeJS.ProcessEnv = {
      ...this.config.childEnv,
      TURNOUT_DATA_DIR: this.config.dataDir,
      PORT: String(this.config.port),
      EMBEDDED_PG_PORT: String(this.config.embeddedPostgresPort),
      PUBLIC_BASE_URL: this.baseUrl,
      LOG_FORMAT: 'json',
      // Real settings, turned down so the story's texts move in seconds rather than minutes.
      DISPATCH_INTERVAL_MS: '500',
      INBOX_INTERVAL_MS: '250',
    };
    // Empty rather than deleted: a .env file in the working directory fills in only variables
    // that are not set at all, and must not point the demo at someone's real database.
    env.DATABASE_URL = '';
    env.ADMIN_TOKEN = '';
    const log = openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: this.root,
      env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const child = this.child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  onExit(listener: (code: number | null) => void): void {
    void this.exited.then(listener);
  }

  /** The admin token local mode generated (or kept) in the data directory. */
  adminToken(): string {
    return readFileSync(join(this.config.dataDir, 'admin-token'), 'utf8').trim();
  }

  /** The last lines of the service's log, to show why it stopped. */
  tail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM: the service closes HTTP, then its database; SIGKILL after 20 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}
