import { DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { LogFormat } from '../config/app-config';
import { createRootLogger } from './root-logger';
import { redactUrl } from './redact-url';

@Module({})
export class LoggingModule {
  static forRoot(level: string, format: LogFormat = 'json'): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: createRootLogger(level, format),
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
