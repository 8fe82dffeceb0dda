import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { QueryFailedError } from 'typeorm';
import {
  ConflictError,
  DomainError,
  InvalidInputError,
  InvalidSignatureError,
  MissingSignatureError,
  NotFoundError,
} from '../errors/domain-errors';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-unavailable';
import { MAX_JSON_DEPTH } from './json-depth';
import { CONFLICT_RETRY_AFTER_SECONDS, describePgError, isTransientConflict } from './pg-errors';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * The one place where errors become HTTP answers, in Nest's shape
 * `{ statusCode, error, message }`. Anything unexpected is a logged 500 with no detail leaked.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, message, retryAfter } = this.classify(exception);
    if (res.headersSent) return;
    if (status === 503) {
      res.setHeader('Retry-After', String(retryAfter ?? DATABASE_RETRY_AFTER_SECONDS));
    }
    res.status(status).json({ statusCode: status, error: REASONS[status] ?? 'Error', message });
  }

  private classify(exception: unknown): {
    status: number;
    message: string | string[];
    retryAfter?: number;
  } {
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? (body as { message: string | string[] }).message
          : exception.message;
      const status = exception.getStatus();
      // One shape for clients: message is always a list.
      return { status, message: Array.isArray(message) ? message : [message] };
    }
    if (exception instanceof InvalidInputError) return { status: 400, message: exception.messages };
    if (exception instanceof NotFoundError) return { status: 404, message: exception.messages };
    if (exception instanceof MissingSignatureError) {
      return { status: 401, message: exception.messages };
    }
    if (exception instanceof InvalidSignatureError) {
      return { status: 403, message: exception.messages };
    }
    if (exception instanceof ConflictError) return { status: 409, message: exception.messages };
    if (exception instanceof DomainError) return { status: 400, message: exception.messages };
    if (isDatabaseUnavailable(exception)) {
      // Expected during a database restart: one line, no stack; the client retries.
      this.logger.warn('database unavailable: answered 503');
      return { status: 503, message: ['the database is unavailable; retry shortly'] };
    }
    if (isTransientConflict(exception)) {
      // A deadlock PostgreSQL broke, or a serialization failure: rolled back whole, so nothing
      // was written; one line, no stack, and the client sends it again.
      this.logger.warn('transaction met a concurrent change: answered 503');
      return {
        status: 503,
        message: [
          'a concurrent change to the same data got in the way; nothing was written; retry',
        ],
        retryAfter: CONFLICT_RETRY_AFTER_SECONDS,
      };
    }
    if (exception instanceof QueryFailedError) {
      const known = describePgError(exception);
      if (known) return known;
    }
    if (isBodyParserError(exception)) {
      return { status: exception.status, message: [bodyParserMessage(exception)] };
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: ['Internal server error'] };
  }
}

interface BodyParserError {
  status: number;
  /** body-parser's kind of failure; absent when a decompression stream failed */
  type?: string;
  /** set by http-errors on every error it made a client error */
  expose?: boolean;
}

/** A client error raised while reading the body, before any route ran. */
function isBodyParserError(e: unknown): e is BodyParserError {
  if (typeof e !== 'object' || e === null) return false;
  const { status, type, expose } = e as BodyParserError;
  return (
    typeof status === 'number' &&
    status >= 400 &&
    status < 500 &&
    (typeof type === 'string' || expose === true)
  );
}

function bodyParserMessage(e: BodyParserError): string {
  switch (e.type) {
    case 'entity.parse.failed':
      return 'body is not valid JSON';
    case 'entity.too.large':
      return 'body is too large';
    case 'entity.too.deep':
      return `body nests deeper than ${MAX_JSON_DEPTH} levels`;
    case 'encoding.unsupported':
      return 'Content-Encoding is not supported (use identity, gzip, deflate or br)';
    case 'charset.unsupported':
      return 'body encoding is not supported (use UTF-8)';
    case undefined:
      // zlib refused the bytes: the body is not what its Content-Encoding says
      return 'body could not be decoded as its Content-Encoding says';
    default:
      return 'body could not be read';
  }
}
