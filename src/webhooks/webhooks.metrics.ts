import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { Metrics } from '../metrics/metrics';

/** What the webhook intake and the inbox did, for dashboards and the load benchmark. */
@Injectable()
export class WebhookMetrics {
  readonly received: Counter<'provider' | 'kind' | 'outcome'>;
  readonly settled: Counter<'kind' | 'outcome'>;
  /** acknowledgement to processed: the delay a patient's reply waits before it counts */
  readonly lag: Histogram<'kind'>;

  constructor(metrics: Metrics) {
    this.received = new Counter({
      name: 'turnout_webhooks_received_total',
      help: 'Provider webhooks acknowledged, by outcome (stored, duplicate, ignored)',
      labelNames: ['provider', 'kind', 'outcome'],
      registers: [metrics.registry],
    });
    this.settled = new Counter({
      name: 'turnout_webhook_inbox_settled_total',
      help: 'Inbox events settled, by outcome (processed, retry, dead: given up, kept for operators)',
      labelNames: ['kind', 'outcome'],
      registers: [metrics.registry],
    });
    this.lag = new Histogram({
      name: 'turnout_webhook_inbox_lag_seconds',
      help: 'Time from acknowledging a webhook to processing its event',
      labelNames: ['kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300],
      registers: [metrics.registry],
    });
  }
}
