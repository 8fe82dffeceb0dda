import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueWorkLoop } from '../common/due-work/due-work-loop';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NoShowRollupFold } from './no-show-rollup-fold.service';

/** The rollup's fold on the due-work engine; it only delegates to NoShowRollupFold. */
@Injectable()
export class NoShowRollupScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly loop: DueWorkLoop;

  constructor(@Inject(APP_CONFIG) config: AppConfig, clock: Clock, fold: NoShowRollupFold) {
    this.loop = new DueWorkLoop('no-show-rollup', clock, () => fold.pass(), {
      pollMs: config.dispatchIntervalMs,
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }
}
