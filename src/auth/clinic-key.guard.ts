import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { sha256Hex } from '../common/crypto/secrets';
import { ApiKeysRepository } from './api-keys.repository';
import { bearerToken } from './bearer';
import { ConsoleSessionsRepository } from './console-sessions.repository';
import { CONSOLE_HEADER, sessionToken } from './session-cookie';

export interface ClinicRequest extends Request {
  clinic: ClinicEntity;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A clinic's API key, or the staff console's session cookie: scopes every route it guards to
 * that clinic. A key in the Authorization header wins; the cookie is read only without one.
 */
@Injectable()
export class ClinicKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ClinicRequest>();
    const token = bearerToken(req);
    if (token) {
      const clinic = token.startsWith('tk_')
        ? await this.keys.findClinicByKeyHash(sha256Hex(token))
        : null;
      if (!clinic) throw new UnauthorizedException('invalid API key');
      req.clinic = clinic;
      return true;
    }
    const session = sessionToken(req);
    if (!session) throw new UnauthorizedException('missing Authorization: Bearer <api key>');
    const clinic = await this.sessions.findClinic(sha256Hex(session), this.clock.now());
    if (!clinic) throw new UnauthorizedException('console session expired or signed out');
    // A cookie rides along on any request the browser makes; a change must prove it comes from
    // the console's own script (see CONSOLE_HEADER).
    if (!SAFE_METHODS.has(req.method) && req.headers[CONSOLE_HEADER] !== '1') {
      throw new ForbiddenException(
        `changes made with the console session need ${CONSOLE_HEADER}: 1`,
      );
    }
    req.clinic = clinic;
    return true;
  }
}
