import type { IncomingMessage } from 'node:http';

/** Deeper than any body the API defines (a batch item's patient is at depth 4). */
export const MAX_JSON_DEPTH = 32;

/** The error a body parser's `verify` throws: a 400 the exception filter words for clients. */
export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
  constructor() {
    super(`JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * Checks a JSON text's nesting before it is parsed: validation and transformation walk a body
 * recursively, and a few kilobytes of `[[[[...` would overflow their stack. One linear pass over
 * the bytes; brackets inside strings do not count.
 */
export function assertJsonDepth(body: Buffer, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > max) throw new JsonTooDeepError();
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
    }
  }
}

/**
 * `verify` for JSON body parsers: keeps the raw bytes (webhook signatures cover them, not a
 * re-serialisation) and refuses a body nested too deep before it is parsed.
 */
export function keepRawJson(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buffer;
  assertJsonDepth(buffer);
}
