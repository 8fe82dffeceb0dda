import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueSignals } from '../common/due-work/due-signals';
import { DueWorkLoop } from '../common/due-work/due-work-loop';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { OUTBOUND_TEXTS, OUTBOUND_WORK } from './message-kinds';
import { CLAIM_AHEAD_MS, OutboundDispatcher } from './outbound-dispatcher.service';

/** The pipeline's loop; it only delegates to OutboundDispatcher.tick(). */
@Injectable()
export class DispatchScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly loop: DueWorkLoop;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    clock: Clock,
    private readonly signals: DueSignals,
    private readonly dispatcher: OutboundDispatcher,
  ) {
    this.loop = new DueWorkLoop(
      'outbound-dispatch',
      clock,
      // Signalled passes: what is known of the reminders' next due time is kept between them.
      async () => (await dispatcher.tick({ signalled: true })).nextDueAt,
      {
        pollMs: config.dispatchIntervalMs,
        nudge: (at) => dispatcher.nudge(at),
        // Reminders are claimed ahead of their time (see CLAIM_AHEAD_MS).
        leadMs: CLAIM_AHEAD_MS / 2,
      },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    // One loop, two signals: a text's wake-up makes it look for texts only.
    await this.signals.register(OUTBOUND_WORK, this.loop, (at) => this.dispatcher.remindersDue(at));
    await this.signals.register(OUTBOUND_TEXTS, this.loop, (at) => this.dispatcher.textsDue(at));
    this.loop.start();
  }

  /** Stops claiming and lets the sends in flight finish and be recorded before the pool closes. */
  async onModuleDestroy(): Promise<void> {
    this.dispatcher.stop();
    await this.loop.stop();
  }
}
