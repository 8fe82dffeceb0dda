import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Metrics } from '../../metrics/metrics';
import { MESSAGE_KINDS, type MessageKind } from '../message-kinds';
import { OUTCOME_KINDS, type OutcomeKind } from './outcomes';

/** `lease_lost`: an outcome that arrived after another instance had re-claimed the work. */
export type CountedOutcome = OutcomeKind | 'lease_lost' | 'unknown';

@Injectable()
export class DispatchMetrics {
  private readonly reminders: Counter<'outcome'>;
  private readonly messages: Counter<'kind' | 'outcome'>;
  private readonly lateness: Histogram;
  private readonly opened: Counter;
  private openCircuits: () => number = () => 0;

  constructor(metrics: Metrics) {
    this.reminders = new Counter({
      name: 'turnout_reminders_total',
      help: 'Reminders handled by the outbound pipeline, by outcome',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.messages = new Counter({
      name: 'turnout_outbound_messages_total',
      help: 'Outbound texts handled by the pipeline, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers: [metrics.registry],
    });
    // Present from the first scrape, so a rate() over a fresh instance is not empty.
    const outcomes: CountedOutcome[] = [...OUTCOME_KINDS, 'lease_lost', 'unknown'];
    for (const outcome of outcomes) {
      this.reminders.labels(outcome).inc(0);
      for (const kind of MESSAGE_KINDS) this.messages.labels(kind, outcome).inc(0);
    }
    this.lateness = new Histogram({
      name: 'turnout_dispatch_lateness_seconds',
      help: 'Time from a text being due to the provider accepting it',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
      registers: [metrics.registry],
    });
    this.opened = new Counter({
      name: 'turnout_sender_circuit_opened_total',
      help: 'Times a sender was paused after its provider failed repeatedly (5xx, timeouts)',
      registers: [metrics.registry],
    });
    const open = () => this.openCircuits();
    new Gauge({
      name: 'turnout_sender_circuits_open',
      help: 'Senders this instance is holding back while their provider is failing',
      registers: [metrics.registry],
      collect() {
        this.set(open());
      },
    });
  }

  circuitOpened(): void {
    this.opened.inc();
  }

  watchOpenCircuits(read: () => number): void {
    this.openCircuits = read;
  }

  /** `reminder`: the outcome settled a reminder (a re-check may settle one with no text). */
  count(kind: MessageKind, outcome: CountedOutcome, reminder: boolean, n = 1): void {
    if (reminder) this.reminders.labels(outcome).inc(n);
    this.messages.labels(kind, outcome).inc(n);
  }

  observeLateness(dueAt: Date, sentAt: Date): void {
    this.lateness.observe(Math.max(0, sentAt.getTime() - dueAt.getTime()) / 1000);
  }
}
