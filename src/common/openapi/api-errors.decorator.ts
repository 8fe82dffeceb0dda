import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponse } from './error-response.dto';

const MEANINGS = {
  400: 'The request is malformed or a field is invalid; `message` names each problem',
  401: 'No credentials, or credentials that are not valid for this route',
  403: 'A webhook signature that does not match, a route the signed-in role may not use, or a change sent with the console session cookie but without the `X-Turnout-Console: 1` header',
  404: 'No such resource for this clinic (another clinic’s resources are never visible)',
  409: 'Conflicts with the current state (a duplicate, an overlap, an illegal transition)',
  413: 'The body is larger than the server accepts',
  415: 'The Content-Type is not one this route reads',
  429: 'Too many requests; retry after the time in `Retry-After`',
  503: 'Not ready (database unreachable or migrations pending)',
} as const;

export type ErrorStatus = keyof typeof MEANINGS;

/**
 * The error answers a route can give, each with the one error shape (`ErrorResponse`):
 * `@ApiErrors(400, 401, 404)`. Use with `@ApiOperation` and the success `@ApiResponse`.
 */
export function ApiErrors(...statuses: ErrorStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: MEANINGS[status], type: ErrorResponse }),
    ),
  );
}
