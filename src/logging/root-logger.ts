import pino, { type Logger as PinoInstance } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogFormat } from '../config/app-config';

export type RootLogger = PinoInstance;

/**
 * The one pino logger of a process: main's start-up lines, Nest's own lines and every request
 * go through it, so a pipe gets JSON only and a terminal gets short human lines.
 */
export function createRootLogger(level: string, format: LogFormat): RootLogger {
  if (format === 'json') return pino({ level });
  // Loaded only for a terminal: it and its dependencies are compiled at every start that loads
  // them (outside the bundle), about a tenth of a start's CPU where nobody reads pretty lines.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as typeof PinoPretty;
  return pino(
    { level },
    pretty({
      // Synchronous: a start-up failure's line must be out before process.exit.
      sync: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,context,req,res,responseTime,reqId',
      messageFormat: '{if context}{context}: {end}{msg}',
      singleLine: true,
    }),
  );
}
