import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Clock } from '../common/clock/clock';
import { BacklogRepository } from './backlog.repository';
import { Metrics } from './metrics';

/**
 * What an operator watches: the backlog (read from the database at each scrape, so every
 * instance reports the same shared figure), provider sends, HTTP latency.
 */
@Injectable()
export class OperatorMetrics {
  /** provider calls, by provider, outcome and the provider's error code (`none` when sent) */
  readonly sends: Counter<'provider' | 'outcome' | 'code'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(metrics: Metrics, backlog: BacklogRepository, clock: Clock) {
    const registers = [metrics.registry];
    let pending: Promise<{ due: number; oldestAgeSeconds: number }> | undefined;
    // Both gauges come from one query per scrape.
    const read = () => (pending ??= backlog.read(clock.now()).finally(() => (pending = undefined)));
    new Gauge({
      name: 'turnout_reminders_backlog',
      help: 'Reminders due and not sent yet (pending or being sent)',
      registers,
      async collect() {
        this.set((await read()).due);
      },
    });
    new Gauge({
      name: 'turnout_reminders_backlog_oldest_age_seconds',
      help: 'Seconds since the oldest reminder of the backlog was due (0 when empty)',
      registers,
      async collect() {
        this.set((await read()).oldestAgeSeconds);
      },
    });
    this.sends = new Counter({
      name: 'turnout_provider_sends_total',
      help: 'SMS provider send calls, by provider, outcome (sent, transient, rate_limited, permanent, opted_out) and the provider error code',
      labelNames: ['provider', 'outcome', 'code'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'turnout_http_request_duration_seconds',
      help: 'HTTP request duration, by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }
}
