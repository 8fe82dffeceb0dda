import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { secretsMatch } from '../common/crypto/secrets';
import { bearerToken } from './bearer';

/** The operator: `Authorization: Bearer $ADMIN_TOKEN`. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest<Request>());
    const expected = this.config.adminToken;
    if (!token) throw new UnauthorizedException('missing Authorization: Bearer <admin token>');
    if (!expected || !secretsMatch(token, expected)) {
      throw new UnauthorizedException('invalid admin token');
    }
    return true;
  }
}
