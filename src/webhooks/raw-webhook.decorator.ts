import { createParamDecorator, ExecutionContext, RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import type { IncomingHttpHeaders } from 'node:http';

/** A webhook request as received: signatures cover these exact bytes, not a re-serialisation. */
export interface RawWebhook {
  /** path and query as the provider called them, to rebuild the public URL it signed */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/**
 * The request's path, headers and raw body (kept by the body parsers: the app is created with
 * `rawBody: true`). No body at all, e.g. an unparsed content type, reads as empty: a 400 later.
 */
export const IncomingWebhook = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): RawWebhook => {
    const req = ctx.switchToHttp().getRequest<RawBodyRequest<Request>>();
    return {
      path: req.originalUrl,
      headers: req.headers,
      rawBody: Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0),
    };
  },
);
