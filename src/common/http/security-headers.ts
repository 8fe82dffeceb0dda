import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../../config/app-config';

/**
 * Security headers on every answer. The CSP lets a same-origin page run its own scripts and
 * styles (the staff console at /console, the OpenAPI UI at /docs) and nothing from elsewhere;
 * no page may frame ours. HSTS only when the public address is https: over plain http (local
 * trials) it would be ignored at best.
 */
export function securityHeaders(app: INestApplication, config: AppConfig): void {
  const https = config.publicBaseUrl.startsWith('https://');
  // helmet's headers are the same on every answer (no directive depends on the request): set
  // from a list worked out once, rather than through its chain of a dozen middlewares each time
  // (a few per cent of a provider webhook's CPU).
  const headers = fixedHeaders(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          // the OpenAPI UI sets inline styles
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': https ? [] : null,
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    }),
  );
  // Answers carry patients' data and credentials: no shared or browser cache keeps them unless
  // a route says otherwise.
  headers.push(['Cache-Control', 'no-store']);
  app.use(
    (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
      for (const [name, value] of headers) res.setHeader(name, value);
      next();
    },
  );
}

type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** The headers a middleware that sets the same ones on every answer sets, in its order. */
function fixedHeaders(middleware: Middleware): [string, string][] {
  const headers: [string, string][] = [];
  let done = false;
  const recorder = {
    setHeader: (name: string, value: string | number) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error instanceof Error) throw error;
    if (error) throw new Error('security headers: the middleware refused its options');
    done = true;
  });
  if (!done) throw new Error('security headers: the middleware did not finish synchronously');
  return headers;
}
