import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { configureApp, ResolvedConfig } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { Clock, ManualClock } from '../../src/common/clock/clock';
import { loadConfig } from '../../src/config/app-config';
import { checkedAgent, OpenApiChecker } from './openapi-checker';

/** Every response an e2e spec receives is checked against openapi.json. */
const openApi = OpenApiChecker.fromRepository();

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  clock: ManualClock;
  ds: DataSource;
  config: ResolvedConfig;
  close(): Promise<void>;
}

/**
 * The real application on the test PostgreSQL (migrated by the jest global setup), with a
 * manual clock and the dispatcher loops off: tests drive time and work explicitly.
 */
export async function startTestApp(
  options: {
    now?: string;
    env?: Record<string, string>;
    override?: (b: ReturnType<typeof Test.createTestingModule>) => void;
  } = {},
): Promise<TestApp> {
  const base = loadConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    ADMIN_TOKEN,
    PUBLIC_BASE_URL: 'https://turnout.test',
    DISPATCH_INTERVAL_MS: '0',
    INBOX_INTERVAL_MS: '0',
    LOG_LEVEL: 'silent',
    // tests send thousands of requests from one key and one address; test/rate-limits turns them on
    API_RATE_LIMIT: '0',
    SIGN_IN_RATE_LIMIT: '0',
    WEBHOOK_RATE_LIMIT: '0',
    ...options.env,
  });
  const config = { ...base, databaseUrl: base.databaseUrl!, adminToken: ADMIN_TOKEN };
  const clock = new ManualClock(options.now ?? '2026-11-26T15:00:00Z');
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(Clock)
    .useValue(clock);
  options.override?.(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    rawBody: true,
    bufferLogs: true,
  });
  configureApp(app, config);
  await app.init();
  return {
    app,
    http: checkedAgent(request(app.getHttpServer()), openApi),
    clock,
    ds: app.get(DataSource),
    config,
    close: () => app.close(),
  };
}

/** The `name=value` of a response's first Set-Cookie, to send back as a Cookie header. */
export function cookieOf(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0] : (setCookie ?? '');
  return header.split(';')[0];
}
