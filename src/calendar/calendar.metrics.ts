import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { Metrics } from '../metrics/metrics';

@Injectable()
export class CalendarMetrics {
  /** delivered, retried, failed (gave up after a day: needs a look), conflict, lease_lost */
  readonly attempts: Counter<'outcome'>;

  constructor(metrics: Metrics) {
    this.attempts = new Counter({
      name: 'turnout_calendar_deliveries_total',
      help: 'Calendar write-back attempts, by outcome (delivered, retried, failed, conflict, lease_lost)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }
}
