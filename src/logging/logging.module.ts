import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { LogFormat } from '../config/app-config';
import { createRootLogger } from './root-logger';
import { redactUrl } from './redact-url';
import { webhookRequestLog } from './webhook-request-log';

/**
 * The provider webhooks' request log (webhookRequestLog, instead of pino-http: see there), as a
 * middleware the webhooks module applies to its own controllers. Applied here for a path pattern
 * it would register a catch-all route of every method in the router.
 */
export const WEBHOOK_REQUEST_LOG = Symbol('WEBHOOK_REQUEST_LOG');
export type WebhookRequestLog = ReturnType<typeof webhookRequestLog>;
const WEBHOOK_ROUTES = { path: 'webhooks/*path', method: RequestMethod.ALL };

@Module({})
export class LoggingModule {
  static forRoot(level: string, format: LogFormat = 'json'): DynamicModule {
    const logger = createRootLogger(level, format);
    return {
      module: LoggingModule,
      global: true,
      providers: [{ provide: WEBHOOK_REQUEST_LOG, useValue: webhookRequestLog(logger) }],
      exports: [WEBHOOK_REQUEST_LOG],
      imports: [
        LoggerModule.forRoot({
          exclude: [WEBHOOK_ROUTES],
          pinoHttp: {
            logger,
            // Successful requests are debug: a batch upload or a webhook storm must not flood logs.
            customLogLevel: (_req, res, err) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
            serializers: {
              req: (req: IncomingMessage & { id?: unknown; originalUrl?: string }) => ({
                id: req.id,
                method: req.method,
                // originalUrl: a mounted middleware may have shortened url meanwhile
                url: redactUrl(req.originalUrl ?? req.url),
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            redact: ['req.headers', 'res.headers'],
          },
        }),
      ],
    };
  }
}
