import type { NextFunction, Request, Response } from 'express';
import { OperatorMetrics } from './operator.metrics';

/** Nest's catch-all route answering 404 for any path no controller has. */
const NOT_FOUND_ROUTE = '/{*path}';

/**
 * Times every request, labelled by the route template (`/v1/appointments/:id`, never the id:
 * one series per route, not per appointment). Express middleware installed before the routes,
 * rather than an interceptor, so 401s from guards and 404s for unknown paths are measured too.
 */
export function httpMetrics(metrics: OperatorMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      metrics.httpDuration.observe(
        {
          method: req.method,
          route: route && route !== NOT_FOUND_ROUTE ? `${req.baseUrl}${route}` : 'unmatched',
          status: String(res.statusCode),
        },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };
}
