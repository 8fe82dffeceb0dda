import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { DispatchMetrics } from '../record/dispatch.metrics';
import { Randomness } from '../randomness';
import { type Admission, SENDER_BACKOFF, SenderCircuits } from './sender-circuit';

/** Consecutive transient failures of a sender that open its circuit. */
export const CIRCUIT_THRESHOLD = 3;

/**
 * The pipeline's view of each sender's provider: the slot reserver asks it before handing out
 * slots, the sender tells it how each call went. Texts held back go back to the database with
 * their run_at at the circuit's next probe (the due-work engine brings them back then).
 */
@Injectable()
export class SenderHealth {
  private readonly circuits: SenderCircuits;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    clock: Clock,
    random: Randomness,
    private readonly metrics: DispatchMetrics,
  ) {
    this.circuits = new SenderCircuits(
      {
        threshold: CIRCUIT_THRESHOLD,
        backoff: SENDER_BACKOFF,
        // the probe's own deadline, and a little for its answer to come back
        probeTimeoutMs: config.providerTimeoutMs + 1_000,
      },
      // The domain clock, as for each text's own retries: a probe is due work like them.
      () => clock.now().getTime(),
      () => random.fraction(),
    );
    metrics.watchOpenCircuits(() => this.circuits.open);
  }

  admit(sender: string, wanted: number): Admission {
    return this.circuits.admit(sender, wanted);
  }

  succeeded(sender: string): void {
    this.circuits.succeeded(sender);
  }

  failed(sender: string): void {
    if (this.circuits.failed(sender)) this.metrics.circuitOpened();
  }
}
