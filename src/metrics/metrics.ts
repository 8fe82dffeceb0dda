import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One registry per application instance (not prom-client's global one), so several apps in one
 * test process do not collide. Features register their own metrics on it.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'turnout_process_' });
  }
}
