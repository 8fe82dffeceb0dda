import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueWorkLoop } from '../common/due-work/due-work-loop';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuditRetention } from './audit-retention.service';

/** Audit retention on the due-work engine; it only delegates to AuditRetention. */
@Injectable()
export class AuditRetentionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly loop: DueWorkLoop;

  constructor(@Inject(APP_CONFIG) config: AppConfig, clock: Clock, retention: AuditRetention) {
    this.loop = new DueWorkLoop('audit-retention', clock, () => retention.pass(), {
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
