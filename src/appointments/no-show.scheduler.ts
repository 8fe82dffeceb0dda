import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueWorkLoop } from '../common/due-work/due-work-loop';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NoShowSweep } from './no-show-sweep.service';

/**
 * The automatic no-show loop on the due-work engine; it only delegates to NoShowSweep. No
 * producer signals it: it sleeps until the next appointment's end plus grace, or the poll.
 */
@Injectable()
export class NoShowScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly loop: DueWorkLoop;

  constructor(@Inject(APP_CONFIG) config: AppConfig, clock: Clock, sweep: NoShowSweep) {
    this.loop = new DueWorkLoop('no-show', clock, () => sweep.pass(), {
      pollMs: config.dispatchIntervalMs,
      // an appointment being marked by another instance is skipped, not waited for
      minGapMs: 1_000,
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }
}
