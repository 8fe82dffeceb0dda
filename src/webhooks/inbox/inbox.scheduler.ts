import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { DueSignals } from '../../common/due-work/due-signals';
import { DueWorkLoop } from '../../common/due-work/due-work-loop';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { InboxProcessor } from './inbox-processor.service';

/** The due-work kind (and signal) of the webhook inbox: the intake notifies it. */
export const INBOX_WORK = 'inbox';

/** The inbox loop; it only delegates to InboxProcessor.work(). */
@Injectable()
export class InboxScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly loop: DueWorkLoop;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    clock: Clock,
    private readonly signals: DueSignals,
    processor: InboxProcessor,
  ) {
    this.loop = new DueWorkLoop('webhook-inbox', clock, () => processor.work(), {
      pollMs: config.inboxIntervalMs,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.signals.register(INBOX_WORK, this.loop);
    this.loop.start();
  }

  /** Stops the loop and lets a running pass finish before the database goes away. */
  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }
}
