import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { QuietBootLogger } from './logging/boot-noise';
import { openApiDocument } from './common/openapi/openapi-document';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter';
import { auditScopeMiddleware } from './audit/audit-scope';
import { keepRawJson } from './common/http/json-depth';
import { securityHeaders } from './common/http/security-headers';
import { SizeFirstPipe } from './common/validation/size-first.pipe';
import { StorableInputPipe } from './common/validation/storable-input.pipe';
import { AppConfig } from './config/app-config';
import { httpMetrics } from './metrics/http-metrics.middleware';
import { OperatorMetrics } from './metrics/operator.metrics';
import { webhookRoutes } from './webhooks/webhook-routes';

/** The routes taking thousands of items in one body (API.md: up to 5000). */
const BULK_JSON_ROUTES = ['/v1/appointments/batch', '/v1/slots/batch'];
/** Far above any single appointment, clinic or reply, far below a batch. */
const JSON_LIMIT = '64kb';
/** Form bodies: provider webhooks (Twilio). */
const FORM_LIMIT = '1mb';

export type ResolvedConfig = AppConfig & { databaseUrl: string; adminToken: string };

export interface AppOverrides {
  /** lets tests swap ports (clock, providers) before the app starts */
  configure?: (
    builder: ReturnType<typeof AppModule.forRoot>,
  ) => ReturnType<typeof AppModule.forRoot>;
}

/**
 * Everything about the HTTP app that main.ts and the e2e tests must share. `dataSource`: see
 * AppModule.forRoot.
 */
export async function createApp(
  config: ResolvedConfig,
  dataSource?: DataSource,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, dataSource),
    {
      rawBody: true,
      bufferLogs: true,
    },
  );
  configureApp(app, config);
  return app;
}

export function configureApp(app: INestApplication, config: AppConfig): void {
  const express = app as NestExpressApplication;
  express.useLogger(new QuietBootLogger(app.get(Logger)));
  // Behind a load balancer the client's IP (rate limits per IP) is in X-Forwarded-For.
  if (config.trustProxy !== undefined) {
    express.set(
      'trust proxy',
      /^\d+$/.test(config.trustProxy) ? Number(config.trustProxy) : config.trustProxy,
    );
  }
  securityHeaders(express, config);
  // The Twilio and Telnyx webhooks, before Nest's pipeline: see webhook-routes.ts.
  express.use(webhookRoutes(app, config, { json: JSON_LIMIT, urlencoded: FORM_LIMIT }));
  // Registered by hand rather than with useBodyParser, whose rawBody option would replace verify.
  // Only batch uploads may be large; every other body is small, so no route does per-element
  // work over megabytes (the first parser to read a body is the only one).
  express.use(BULK_JSON_ROUTES, json({ limit: config.bodyLimit, verify: keepRawJson }));
  express.use(json({ limit: JSON_LIMIT, verify: keepRawJson }));
  express.useBodyParser('urlencoded', { limit: FORM_LIMIT, extended: false });
  express.use(auditScopeMiddleware);
  express.disable('x-powered-by');
  express.use(httpMetrics(app.get(OperatorMetrics)));
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(
    new SizeFirstPipe(),
    new StorableInputPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
    }),
  );
  // Built at the first request for it, not at start: start-up is on the path of every restart.
  SwaggerModule.setup('docs', app, () => openApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
  });
}
