import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { ClinicEntity } from '../clinics/clinic.entity';
import { sha256Hex } from '../common/crypto/secrets';
import { ApiKeysRepository } from './api-keys.repository';
import { bearerToken } from './bearer';

export interface ClinicRequest extends Request {
  clinic: ClinicEntity;
}

/** A clinic's API key: scopes every route it guards to that clinic. */
@Injectable()
export class ClinicKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeysRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ClinicRequest>();
    const token = bearerToken(req);
    if (!token) throw new UnauthorizedException('missing Authorization: Bearer <api key>');
    const clinic = token.startsWith('tk_')
      ? await this.keys.findClinicByKeyHash(sha256Hex(token))
      : null;
    if (!clinic) throw new UnauthorizedException('invalid API key');
    req.clinic = clinic;
    return true;
  }
}
