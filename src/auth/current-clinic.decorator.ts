import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { ClinicEntity } from '../clinics/clinic.entity';
import type { ClinicRequest } from './clinic-key.guard';

/** The clinic the request's API key belongs to (set by ClinicKeyGuard). */
export const CurrentClinic = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): ClinicEntity =>
    ctx.switchToHttp().getRequest<ClinicRequest>().clinic,
);
