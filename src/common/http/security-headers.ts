import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';
import type { AppConfig } from '../../config/app-config';

/**
 * Security headers on every answer. The CSP lets a same-origin page run its own scripts and
 * styles (the staff console at /console, the OpenAPI UI at /docs) and nothing from elsewhere;
 * no page may frame ours. HSTS only when the public address is https: over plain http (local
 * trials) it would be ignored at best.
 */
export function securityHeaders(app: INestApplication, config: AppConfig): void {
  const https = config.publicBaseUrl.startsWith('https://');
  app.use(
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
  app.use(
    (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
  );
}
