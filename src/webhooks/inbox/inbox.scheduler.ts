import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { InboxProcessor } from './inbox-processor.service';

const INTERVAL_NAME = 'webhook-inbox';

/**
 * The inbox loop: only delegates. The interval comes from config (0 turns it off: tests drive
 * the processor by hand), so it is registered at bootstrap rather than with @Interval.
 */
@Injectable()
export class InboxScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookInbox');
  private running: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly processor: InboxProcessor,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.inboxIntervalMs <= 0) return;
    const handle = setInterval(() => this.tick(), this.config.inboxIntervalMs);
    this.registry.addInterval(INTERVAL_NAME, handle);
  }

  /** Stops the loop and lets a running pass finish before the database goes away. */
  async onModuleDestroy(): Promise<void> {
    if (this.registry.getIntervals().includes(INTERVAL_NAME)) {
      this.registry.deleteInterval(INTERVAL_NAME);
    }
    await this.running;
  }

  /** A pass still running (a large backlog) makes later ticks skip, never overlap. */
  tick(): void {
    if (this.running) return;
    this.running = this.processor
      .work()
      .catch((error: unknown) => {
        // The claim quotes no patient data, so its message is safe to log.
        this.logger.error(`inbox pass failed: ${error instanceof Error ? error.message : 'error'}`);
      })
      .finally(() => {
        this.running = null;
      });
  }
}
