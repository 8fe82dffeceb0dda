import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ReminderDispatcher } from './reminder-dispatcher.service';

export const DISPATCH_INTERVAL_NAME = 'reminder-dispatch';

/**
 * The dispatcher loop; it only delegates. The interval comes from config (0 turns it off and
 * tests drive the dispatcher by hand), so it is added at bootstrap instead of with @Interval.
 * Instances exclude each other through the database (SKIP LOCKED claims, leases); this guard
 * only keeps one instance from starting a pass while its previous one is still sending.
 */
@Injectable()
export class DispatchScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ReminderDispatcher');
  private running: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly dispatcher: ReminderDispatcher,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.dispatchIntervalMs <= 0) return;
    const handle = setInterval(() => this.run(), this.config.dispatchIntervalMs);
    this.registry.addInterval(DISPATCH_INTERVAL_NAME, handle);
  }

  /** Stops claiming and lets the sends in flight finish and be recorded before the pool closes. */
  async onModuleDestroy(): Promise<void> {
    if (this.registry.getIntervals().includes(DISPATCH_INTERVAL_NAME)) {
      this.registry.deleteInterval(DISPATCH_INTERVAL_NAME);
    }
    this.dispatcher.stop();
    await this.running;
  }

  run(): void {
    if (this.running) return;
    this.running = this.dispatcher
      .tick()
      .then(() => undefined)
      .catch((error: unknown) => {
        this.logger.error(
          `dispatch pass failed: ${error instanceof Error ? error.message : error}`,
        );
      })
      .finally(() => {
        this.running = null;
      });
  }
}
