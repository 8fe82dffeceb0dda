import type { NextFunction, Request, Response } from 'express';
import type { RootLogger } from './root-logger';
import { redactUrl } from './redact-url';

/**
 * The request log of the provider webhook routes, which take thousands of requests a second:
 * the same completion line as every other route (debug when answered, warn for a 4xx, error for
 * a 5xx; method, redacted URL, status, time), but built only when its level is logged. pino-http
 * builds a child logger per request and nestjs-pino binds it to the request's async context,
 * which turns on async hooks for every promise of the request: together about a tenth of a
 * webhook's CPU, for a debug line nobody reads (bench:cost, replayed webhooks).
 */
export function webhookRequestLog(logger: RootLogger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          req: { method: req.method, url: redactUrl(req.originalUrl ?? req.url) },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
        },
        status >= 500 ? 'request errored' : 'request completed',
      );
    });
    next();
  };
}
