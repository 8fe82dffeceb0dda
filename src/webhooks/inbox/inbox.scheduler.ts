import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { NonOverlappingLoop } from '../../common/scheduling/non-overlapping-loop';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { InboxProcessor } from './inbox-processor.service';

/** The inbox loop; it only delegates to InboxProcessor.work(). */
@Injectable()
export class InboxScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: NonOverlappingLoop;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    registry: SchedulerRegistry,
    processor: InboxProcessor,
  ) {
    this.loop = new NonOverlappingLoop('webhook-inbox', 'inbox', registry, () => processor.work());
  }

  onApplicationBootstrap(): void {
    this.loop.start(this.config.inboxIntervalMs);
  }

  /** Stops the loop and lets a running pass finish before the database goes away. */
  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  tick(): void {
    this.loop.run();
  }
}
