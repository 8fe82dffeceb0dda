import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';
import { throttlerKey } from './rate-limits';

export const TOO_MANY_REQUESTS = 'too many requests: slow down and retry after Retry-After seconds';

/**
 * Nest's throttler with one bucket per client across all routes of a kind (not one per
 * route), and the standard `Retry-After` header in seconds on every 429.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return throttlerKey(name, tracker);
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(detail.timeToBlockExpire))));
    throw new ThrottlerException(TOO_MANY_REQUESTS);
  }
}
