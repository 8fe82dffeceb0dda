import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { concatMap, finalize, Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { ClinicRequest } from '../auth/clinic-key.guard';
import { Clock } from '../common/clock/clock';
import { AuditEntryInput, auditScope } from './audit-scope';
import { AUDIT_READ } from '../auth/audit-read.decorator';
import { AuditRepository } from './audit.repository';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const E164 = /^\+[1-9][0-9]{6,14}$/;

/**
 * Every change a clinic route makes, and every read of a route marked `@AuditRead`, leaves an
 * audit entry naming the actor ClinicKeyGuard found. Routes without a clinic actor (public,
 * operator, webhooks) are not the audit's: the patient's own texts are in the conversation.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<ClinicRequest>();
    if (!req.actor || !req.clinic) return next.handle();
    const entry = this.entry(context, req);
    if (!READS.has(req.method)) {
      const scope = auditScope.getStore();
      if (scope) scope.change = entry;
      return next.handle().pipe(
        concatMap(async (body: unknown) => {
          // no transaction carried it (a single statement, or none): written now
          if (!scope || !scope.written) {
            if (scope) scope.written = true;
            await this.audit.insert(this.ds, withResult(entry, body));
          }
          return body;
        }),
        finalize(() => {
          if (scope) scope.closed = true;
        }),
      );
    }
    if (!this.reflector.get<boolean>(AUDIT_READ, context.getHandler())) return next.handle();
    return next.handle().pipe(
      concatMap(async (body: unknown) => {
        await this.audit.insert(this.ds, withResult(entry, body));
        return body;
      }),
    );
  }

  private entry(context: ExecutionContext, req: ClinicRequest): AuditEntryInput {
    const operation = this.reflector.get<{ operationId?: string } | undefined>(
      'swagger/apiOperation',
      context.getHandler(),
    );
    const params = (req.params ?? {}) as Record<string, string | undefined>;
    const body = (req.body ?? {}) as { patient?: { phone?: unknown }; externalId?: unknown };
    const phone = params.patientPhone ?? params.phone ?? body.patient?.phone;
    const onAppointment = req.baseUrl + (req.route as { path?: string } | undefined)?.path;
    const appointmentRoute = /^\/v1\/appointments\/:id/.test(onAppointment ?? '');
    return {
      clinicId: req.clinic.id,
      at: this.clock.now(),
      actor: req.actor,
      action: operation?.operationId ?? `${req.method} ${onAppointment}`,
      patientPhone: typeof phone === 'string' && E164.test(phone) ? phone : null,
      appointmentId: appointmentRoute ? (params.id ?? null) : null,
      targetId: appointmentRoute
        ? null
        : (params.id ?? (typeof body.externalId === 'string' ? body.externalId : null)),
      clientAddress: req.ip ?? null,
    };
  }
}

/** What the answer adds: the appointment and patient an appointment view names. */
function withResult(entry: AuditEntryInput, body: unknown): AuditEntryInput {
  const view = body as { id?: unknown; patient?: { phone?: unknown } } | null | undefined;
  const phone = view?.patient?.phone;
  const isAppointment = typeof phone === 'string' && typeof view?.id === 'string';
  return {
    ...entry,
    patientPhone: entry.patientPhone ?? (isAppointment ? phone : null),
    appointmentId: entry.appointmentId ?? (isAppointment ? (view.id as string) : null),
  };
}
