import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One registry per application instance (not prom-client's global one), so several apps in one
 * test process do not collide. Features register their own metrics on it, named `turnout_*`.
 * The process metrics keep prom-client's standard names (`process_cpu_seconds_total`,
 * `nodejs_*`), the ones stock Node.js dashboards query.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
