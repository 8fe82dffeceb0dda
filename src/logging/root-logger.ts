import pino, { type Logger as PinoInstance } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from '../config/app-config';

export type RootLogger = PinoInstance;

/**
 * The one pino logger of a process: main's start-up lines, Nest's own lines and every request
 * go through it, so a pipe gets JSON only and a terminal gets short human lines.
 */
export function createRootLogger(level: string, format: LogFormat): RootLogger {
  if (format === 'json') return pino({ level });
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
