import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueWorkLoop } from '../common/due-work/due-work-loop';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RiskRefit } from './risk-refit.service';

/** The risk refit on the due-work engine; it only delegates to RiskRefit. */
@Injectable()
export class RiskRefitScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly loop: DueWorkLoop;

  constructor(@Inject(APP_CONFIG) config: AppConfig, clock: Clock, refit: RiskRefit) {
    this.loop = new DueWorkLoop('risk-refit', clock, () => refit.pass(), {
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
