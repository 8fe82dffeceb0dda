import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueSignals } from '../common/due-work/due-signals';
import { DueWorkLoop } from '../common/due-work/due-work-loop';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CalendarWriteBack } from './calendar-write-back.service';
import { CALENDAR_WORK } from './calendar-outbox';

/** The write-back loop on the due-work engine; it only delegates to CalendarWriteBack. */
@Injectable()
export class CalendarDeliveryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly loop: DueWorkLoop;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    clock: Clock,
    private readonly signals: DueSignals,
    delivery: CalendarWriteBack,
  ) {
    // A pending event may wait for an earlier one of its appointment: look again a second later.
    this.loop = new DueWorkLoop('calendar-write-back', clock, () => delivery.pass(), {
      pollMs: config.dispatchIntervalMs,
      minGapMs: 1_000,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.signals.register(CALENDAR_WORK, this.loop);
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }
}
