import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import type { AppConfig } from '../../config/app-config';
import { sha256Hex } from '../crypto/secrets';

/**
 * The console's sign-ins: they take a key or a link's token in the body, so they are what a
 * guesser would hammer.
 */
const SIGN_IN = new Set([
  'POST /v1/console/session',
  'POST /console/sign-in',
  'POST /v1/console/passkeys/registration-options',
  'POST /v1/console/passkeys/registration',
  'POST /v1/console/passkeys/sign-in-options',
  'POST /v1/console/passkeys/sign-in',
]);

function route(context: ExecutionContext): { req: Request; name: string; path: string } {
  const req = context.switchToHttp().getRequest<Request>();
  const path = (req.route as { path?: string } | undefined)?.path ?? req.path;
  return { req, name: `${req.method} ${path}`, path };
}

/** The provider webhooks' window: `webhookRateLimitPerSecond` requests per sender address. */
export const WEBHOOK_WINDOW_MS = 1_000;

/** A throttler's bucket for a client (RateLimitGuard's key, and the webhook routes'). */
export function throttlerKey(name: string, tracker: string): string {
  return `${name}:${tracker}`;
}

export function clientIp(req: Request): string {
  return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

/**
 * Per API key where there is one (each clinic its own bucket, so one clinic's flood never
 * slows another), else per IP. The key is hashed: buckets must not hold credentials.
 */
function apiClient(req: Request): string {
  const header = req.headers.authorization;
  const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  return bearer ? `key:${sha256Hex(bearer)}` : clientIp(req);
}

/**
 * Three limits, each for its kind of route (any route added later falls under its prefix):
 * the public API per key, the console sign-in per IP and strict, provider webhooks per IP and
 * generous, since a refused webhook is only retried if the provider is set to retry it. Kept
 * in each instance's memory: behind a load balancer a client may get up to one limit per
 * instance. A limit of 0 is off.
 */
export function rateLimits(config: AppConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: 'api',
        ttl: 60_000,
        limit: config.apiRateLimitPerMinute,
        getTracker: (req) => apiClient(req as Request),
        skipIf: (context) => {
          const { path, name } = route(context);
          return (
            config.apiRateLimitPerMinute === 0 || !path.startsWith('/v1/') || SIGN_IN.has(name)
          );
        },
      },
      {
        name: 'signIn',
        ttl: 60_000,
        limit: config.signInRateLimitPerMinute,
        getTracker: (req) => clientIp(req as Request),
        skipIf: (context) =>
          config.signInRateLimitPerMinute === 0 || !SIGN_IN.has(route(context).name),
      },
      {
        name: 'webhooks',
        ttl: WEBHOOK_WINDOW_MS,
        limit: config.webhookRateLimitPerSecond,
        getTracker: (req) => clientIp(req as Request),
        skipIf: (context) =>
          config.webhookRateLimitPerSecond === 0 || !route(context).path.startsWith('/webhooks/'),
      },
    ],
    setHeaders: false,
  };
}
