import type { INestApplication } from '@nestjs/common';
import { ThrottlerException, ThrottlerStorage } from '@nestjs/throttler';
import {
  json,
  raw,
  Router,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { keepRawJson } from '../common/http/json-depth';
import { TOO_MANY_REQUESTS } from '../common/rate-limit/rate-limit.guard';
import { clientIp, throttlerKey, WEBHOOK_WINDOW_MS } from '../common/rate-limit/rate-limits';
import type { AppConfig } from '../config/app-config';
import { WEBHOOK_REQUEST_LOG, type WebhookRequestLog } from '../logging/logging.module';
import { httpMetrics } from '../metrics/http-metrics.middleware';
import { OperatorMetrics } from '../metrics/operator.metrics';
import { WebhookIntakeService } from './webhook-intake.service';

/** Replies go out through the API, never as TwiML, so the answer is always empty TwiML. */
export const EMPTY_TWIML = '<Response/>';
const EMPTY_TWIML_BYTES = Buffer.from(EMPTY_TWIML);
/** What `res.type('text/xml')` and a string body make of it, set once rather than parsed. */
const TWIML_TYPE = 'text/xml; charset=utf-8';

/** The same limits as the app's parsers (app.factory.ts): a webhook is never a bulk upload. */
export interface WebhookBodyLimits {
  json: string;
  urlencoded: string;
}

const FORM = 'application/x-www-form-urlencoded';

/** The charsets the app's form parser takes (body-parser's urlencoded: UTF-8 and Latin-1). */
const FORM_CHARSETS = new Set(['utf-8', 'iso-8859-1']);

/**
 * The Twilio and Telnyx webhook routes as plain Express handlers, mounted before Nest's pipeline
 * (app.factory.ts): these take thousands of requests a second, and Nest's guard, interceptor,
 * pipe and Observable layers, the form parser's field decoding (the providers read the raw bytes
 * their signatures cover) and the audit scope were most of a webhook's CPU (bench:cost, replay).
 * What a webhook route needs is kept here, each step as it is for every other route: the request
 * log line, the request duration metric, the body parsers' limits and errors (413, 415, 400),
 * the `webhooks` rate limit per sender address (429 with Retry-After, in the throttler's own
 * buckets), authentication by signature in the intake, and errors answered by the app's
 * exception filter (`next(error)`). The controllers still describe these routes in the OpenAPI
 * document and answer them wherever these handlers are not mounted.
 */
export function webhookRoutes(
  app: INestApplication,
  config: AppConfig,
  limits: WebhookBodyLimits,
): Router {
  const intake = app.get(WebhookIntakeService);
  const requestLog = app.get<WebhookRequestLog>(WEBHOOK_REQUEST_LOG);
  const common: RequestHandler[] = [
    requestLog,
    httpMetrics(app.get(OperatorMetrics)),
    body(json({ limit: limits.json, verify: keepRawJson }), formBytes(limits.urlencoded)),
    webhookRateLimit(app.get<ThrottlerStorage>(ThrottlerStorage), config),
  ];
  const router = Router();
  router.post('/webhooks/twilio/inbound', ...common, (req, res, next) => {
    intake.receiveSigned('twilio', 'inbound', rawWebhook(req)).then(() => {
      res.setHeader('Content-Type', TWIML_TYPE);
      res.status(200).send(EMPTY_TWIML_BYTES);
    }, next);
  });
  router.post('/webhooks/twilio/status', ...common, (req, res, next) => {
    intake.receiveSigned('twilio', 'status', rawWebhook(req)).then(() => {
      res.status(200).send();
    }, next);
  });
  router.post('/webhooks/telnyx', ...common, (req, res, next) => {
    intake.receiveSigned('telnyx', 'inbound', rawWebhook(req)).then(() => {
      res.status(200).send();
    }, next);
  });
  return router;
}

type WithRawBody = Request & { rawBody?: unknown };

function rawWebhook(req: WithRawBody) {
  return {
    path: req.originalUrl,
    headers: req.headers,
    rawBody: Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0),
  };
}

/**
 * The app's JSON parser, or the form reader for a form: each reads only its own content type,
 * so asking the header once picks the one that would have read the body.
 */
function body(jsonBody: RequestHandler, formBody: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const contentType = req.headers['content-type'];
    const form = typeof contentType === 'string' && contentType.toLowerCase().startsWith(FORM);
    return form ? formBody(req, res, next) : jsonBody(req, res, next);
  };
}

/**
 * A form body's bytes (the caller has seen its type), read as the app's form parser reads them
 * (same limit, charset check, Content-Encoding and errors) without decoding its fields: Twilio's
 * provider parses the signed bytes itself.
 */
function formBytes(limit: string): RequestHandler {
  const bytes = raw({ type: FORM, limit });
  return (req: WithRawBody, res: Response, next: NextFunction) => {
    const contentType = req.headers['content-type'] ?? '';
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1]?.toLowerCase();
    if (charset !== undefined && !FORM_CHARSETS.has(charset)) {
      next(unsupportedCharset(charset));
      return;
    }
    bytes(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (Buffer.isBuffer(req.body)) {
        req.rawBody = req.body;
        req.body = undefined;
      }
      next();
    });
  };
}

function unsupportedCharset(charset: string): Error {
  return Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}"`), {
    status: 415,
    statusCode: 415,
    expose: true,
    charset,
    type: 'charset.unsupported',
  });
}

/**
 * The `webhooks` limit of rate-limits.ts, per sender address, counted in the throttler's storage
 * under the guard's own key, so a sender has one bucket whichever way its request came in.
 */
function webhookRateLimit(storage: ThrottlerStorage, config: AppConfig): RequestHandler {
  const limit = config.webhookRateLimitPerSecond;
  const ttl = WEBHOOK_WINDOW_MS;
  return (req: Request, res: Response, next: NextFunction) => {
    if (limit === 0) return next();
    const key = throttlerKey('webhooks', clientIp(req));
    // blockDuration = ttl, as the guard has it for a throttler that names none
    storage.increment(key, ttl, limit, ttl, 'webhooks').then(({ isBlocked, timeToBlockExpire }) => {
      if (!isBlocked) return next();
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(timeToBlockExpire))));
      next(new ThrottlerException(TOO_MANY_REQUESTS));
    }, next);
  };
}
