import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken } from '../auth/bearer';
import { secretsMatch } from '../common/crypto/secrets';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** `/metrics` is open unless METRICS_TOKEN is set; then it wants that bearer token. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.metricsToken;
    if (!expected) return true;
    const token = bearerToken(context.switchToHttp().getRequest<Request>());
    if (!token) throw new UnauthorizedException('missing Authorization: Bearer <metrics token>');
    if (!secretsMatch(token, expected)) {
      throw new UnauthorizedException('invalid metrics token');
    }
    return true;
  }
}
