import {
  DynamicModule,
  Inject,
  MiddlewareConsumer,
  Module,
  NestModule,
  RequestMethod,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { LogFormat } from '../config/app-config';
import { createRootLogger, type RootLogger } from './root-logger';
import { redactUrl } from './redact-url';
import { webhookRequestLog } from './webhook-request-log';

const ROOT_LOGGER = Symbol('ROOT_LOGGER');
/** The provider webhooks: logged by webhookRequestLog instead of pino-http (see there). */
const WEBHOOK_ROUTES = { path: 'webhooks/*path', method: RequestMethod.ALL };

@Module({})
export class LoggingModule implements NestModule {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: RootLogger) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(webhookRequestLog(this.logger)).forRoutes(WEBHOOK_ROUTES);
  }

  static forRoot(level: string, format: LogFormat = 'json'): DynamicModule {
    const logger = createRootLogger(level, format);
    return {
      module: LoggingModule,
      providers: [{ provide: ROOT_LOGGER, useValue: logger }],
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
