import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import pino from 'pino';
import { Writable } from 'node:stream';
import { webhookRequestLog } from './webhook-request-log';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

function answer(log: ReturnType<typeof webhookRequestLog>, url: string, status: number): void {
  const res = Object.assign(new EventEmitter(), { statusCode: status });
  const next = jest.fn() as NextFunction;
  log({ method: 'POST', originalUrl: url, url } as Request, res as unknown as Response, next);
  expect(next).toHaveBeenCalledTimes(1);
  res.emit('finish');
}

describe('webhookRequestLog', () => {
  it('logs a refused webhook at warn, its path secret redacted', async () => {
    const { logger, lines } = capture('info');
    answer(webhookRequestLog(logger), '/webhooks/flowroute/frs_secret/inbound', 404);
    answer(webhookRequestLog(logger), '/webhooks/twilio/inbound', 500);
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'request completed',
        req: { method: 'POST', url: '/webhooks/flowroute/[redacted]/inbound' },
        res: { statusCode: 404 },
      }),
      expect.objectContaining({ level: 50, msg: 'request errored', res: { statusCode: 500 } }),
    ]);
  });

  it('logs an acknowledged webhook at debug only', async () => {
    const quiet = capture('info');
    answer(webhookRequestLog(quiet.logger), '/webhooks/twilio/inbound', 200);
    const verbose = capture('debug');
    answer(webhookRequestLog(verbose.logger), '/webhooks/twilio/inbound', 200);
    await new Promise((r) => setImmediate(r));
    expect(quiet.lines).toEqual([]);
    expect(verbose.lines).toEqual([
      expect.objectContaining({
        level: 20,
        req: { method: 'POST', url: '/webhooks/twilio/inbound' },
      }),
    ]);
  });
});
