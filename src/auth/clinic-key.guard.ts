import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { sha256Hex } from '../common/crypto/secrets';
import { ApiKeysRepository } from './api-keys.repository';
import { bearerToken } from './bearer';
import { ConsoleSessionsRepository } from './console-sessions.repository';
import { Actor, ROLE_METADATA, roleAllows, StaffRole } from './roles';
import { CONSOLE_HEADER, SESSION_IDLE_MS, sessionToken } from './session-cookie';

export interface ClinicRequest extends Request {
  clinic: ClinicEntity;
  actor: Actor;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one guard of every clinic route: a clinic's API key, or the console's session cookie
 * (a person's, or the one the key was traded for), scopes the route to that clinic and names
 * the actor; then the route's least role (`@LeastRole`, `admin` when it names none) is checked.
 * A key in the Authorization header wins; the cookie is read only without one.
 */
@Injectable()
export class ClinicKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly clock: Clock,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ClinicRequest>();
    const needed =
      this.reflector.getAllAndOverride<StaffRole | undefined>(ROLE_METADATA, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'admin';
    const token = bearerToken(req);
    if (token) {
      const clinic = token.startsWith('tk_')
        ? await this.keys.findClinicByKeyHash(sha256Hex(token))
        : null;
      if (!clinic) throw new UnauthorizedException('invalid API key');
      req.clinic = clinic;
      req.actor = { type: 'integration', role: 'admin' };
      return true;
    }
    const session = sessionToken(req);
    if (!session) throw new UnauthorizedException('missing Authorization: Bearer <api key>');
    const owner = await this.sessions.use(sha256Hex(session), this.clock.now(), SESSION_IDLE_MS);
    if (!owner) throw new UnauthorizedException('console session expired or signed out');
    // A cookie rides along on any request the browser makes; a change must prove it comes from
    // the console's own script (see CONSOLE_HEADER).
    if (!SAFE_METHODS.has(req.method) && req.headers[CONSOLE_HEADER] !== '1') {
      throw new ForbiddenException(
        `changes made with the console session need ${CONSOLE_HEADER}: 1`,
      );
    }
    const actor: Actor = owner.staff
      ? { type: 'person', ...owner.staff }
      : { type: 'integration', role: 'admin' };
    if (!roleAllows(actor.role, needed)) {
      throw new ForbiddenException(`this needs the ${needed} role`);
    }
    req.clinic = owner.clinic;
    req.actor = actor;
    return true;
  }
}
