import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { Metrics } from '../../metrics/metrics';
import { OUTCOME_KINDS, type OutcomeKind } from './outcomes';

/** `lease_lost`: an outcome that arrived after another instance had re-claimed the reminder. */
export type CountedOutcome = OutcomeKind | 'lease_lost';

@Injectable()
export class DispatchMetrics {
  private readonly reminders: Counter<'outcome'>;
  private readonly lateness: Histogram;

  constructor(metrics: Metrics) {
    this.reminders = new Counter({
      name: 'turnout_reminders_total',
      help: 'Reminders handled by the dispatcher, by outcome',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    // Present from the first scrape, so a rate() over a fresh instance is not empty.
    for (const outcome of [...OUTCOME_KINDS, 'lease_lost']) this.reminders.labels(outcome).inc(0);
    this.lateness = new Histogram({
      name: 'turnout_dispatch_lateness_seconds',
      help: 'Time from a reminder being due to the provider accepting it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
      registers: [metrics.registry],
    });
  }

  count(outcome: CountedOutcome, n = 1): void {
    this.reminders.labels(outcome).inc(n);
  }

  observeLateness(dueAt: Date, sentAt: Date): void {
    this.lateness.observe(Math.max(0, sentAt.getTime() - dueAt.getTime()) / 1000);
  }
}
