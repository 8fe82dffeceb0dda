import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { NonOverlappingLoop } from '../../common/scheduling/non-overlapping-loop';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ReminderDispatcher } from './reminder-dispatcher.service';

export const DISPATCH_INTERVAL_NAME = 'reminder-dispatch';

/** The dispatcher loop; it only delegates to ReminderDispatcher.tick(). */
@Injectable()
export class DispatchScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: NonOverlappingLoop;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    registry: SchedulerRegistry,
    private readonly dispatcher: ReminderDispatcher,
  ) {
    this.loop = new NonOverlappingLoop(DISPATCH_INTERVAL_NAME, 'dispatch', registry, () =>
      dispatcher.tick(),
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start(this.config.dispatchIntervalMs);
  }

  /** Stops claiming and lets the sends in flight finish and be recorded before the pool closes. */
  async onModuleDestroy(): Promise<void> {
    this.dispatcher.stop();
    await this.loop.stop();
  }

  run(): void {
    this.loop.run();
  }
}
