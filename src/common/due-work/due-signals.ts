import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { DueWorkLoop } from './due-work-loop';

/** One PostgreSQL channel for every kind of due work; the payload names the kind. */
const DUE_CHANNEL = 'turnout_due';
const RECONNECT_MS = 1_000;

/** A wake-up as `pg_notify` takes it; only DueSignals builds one. */
export interface DueWake {
  readonly channel: string;
  readonly payload: string;
}

/**
 * Wakes due-work loops across instances. A producer calls `notify` inside the transaction that
 * writes the work: PostgreSQL delivers the notification only when that transaction commits, so
 * no loop is woken before the row is visible, and not at all if it rolls back. Each instance
 * listens on one connection of its own and wakes its loops of that kind (several loops may hear
 * one kind). Notifications sent while the listener was reconnecting are lost: once it listens
 * again it wakes every loop, so none waits for its safety-net poll.
 */
@Injectable()
export class DueSignals implements OnModuleDestroy {
  private readonly logger = new Logger('DueSignals');
  private readonly loops = new Map<string, { loop: DueWorkLoop; heard?: (at?: Date) => void }[]>();
  private client: Client | null = null;
  private closed = false;
  /** the listener was lost: what was sent meanwhile is unknown */
  private missed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * The notification telling every instance's `kind` loop that work is due at `at` (now when
   * omitted), for a statement that sends it with its row (`pg_notify(channel, payload)`).
   */
  static wake(kind: string, at?: Date): DueWake {
    return { channel: DUE_CHANNEL, payload: at ? `${kind}:${at.getTime()}` : kind };
  }

  /** Tells every instance's `kind` loop that work is due at `at` (now when omitted). */
  async notify(db: EntityManager | DataSource, kind: string, at?: Date): Promise<void> {
    const { channel, payload } = DueSignals.wake(kind, at);
    await db.query(`SELECT pg_notify($1, $2)`, [channel, payload]);
  }

  /**
   * Starts listening with the first enabled loop; a loop that is off needs no signals. A loop
   * may be registered under several kinds; `heard` tells it which one woke it (called first).
   */
  async register(kind: string, loop: DueWorkLoop, heard?: (at?: Date) => void): Promise<void> {
    if (!loop.enabled) return;
    this.loops.set(kind, [...(this.loops.get(kind) ?? []), { loop, heard }]);
    if (!this.client) await this.listen().catch((error: Error) => this.lost(error));
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl });
    this.client = client;
    client.on('notification', (n) => this.deliver(n.payload ?? ''));
    client.on('error', (error) => this.lost(error));
    await client.connect();
    await client.query(`LISTEN ${DUE_CHANNEL}`);
    if (this.missed) {
      this.missed = false;
      for (const kind of this.loops.keys()) this.wakeAll(kind);
    }
  }

  private lost(error: Error): void {
    this.logger.warn(`listener lost: ${error.message}; polling until it is back`);
    const client = this.client;
    this.client = null;
    this.missed = true;
    void client?.end().catch(() => undefined);
    if (this.closed) return;
    setTimeout(() => {
      if (!this.closed && !this.client) void this.listen().catch((e: Error) => this.lost(e));
    }, RECONNECT_MS);
  }

  private deliver(payload: string): void {
    const [kind, at] = payload.split(':');
    this.wakeAll(kind, at ? new Date(Number(at)) : undefined);
  }

  private wakeAll(kind: string, due?: Date): void {
    for (const { loop, heard } of this.loops.get(kind) ?? []) {
      heard?.(due);
      loop.wake(due);
    }
  }
}
