import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueSignals } from '../common/due-work/due-signals';
import { DueWorkLoop } from '../common/due-work/due-work-loop';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { HoldExpiry } from './hold-expiry.service';

/** The due-work kind (and signal) of slot holds: an offer notifies it with its hold's end. */
export const HOLD_WORK = 'slot-holds';

/** The hold-expiry loop on the due-work engine; it only delegates to HoldExpiry. */
@Injectable()
export class HoldExpiryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly loop: DueWorkLoop;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    clock: Clock,
    private readonly signals: DueSignals,
    expiry: HoldExpiry,
  ) {
    this.loop = new DueWorkLoop('slot-hold-expiry', clock, () => expiry.pass(), {
      pollMs: config.dispatchIntervalMs,
      minGapMs: 1_000,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.signals.register(HOLD_WORK, this.loop);
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }
}
