import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import type { Actor } from '../auth/roles';

/** One line of the audit trail, before it is written. */
export interface AuditEntryInput {
  clinicId: string;
  at: Date;
  actor: Actor;
  action: string;
  patientPhone: string | null;
  appointmentId: string | null;
  targetId: string | null;
  clientAddress: string | null;
}

/**
 * What a request has to say in the audit about the change it makes. The first transaction the
 * request commits writes `change` just before its COMMIT (AuditTransactionSubscriber), so the
 * entry and the change stand or fall together; a change made without a transaction of
 * TypeORM's is written when the route returns.
 */
export interface RequestAudit {
  change?: AuditEntryInput;
  /** the transaction that carries `change`, until it has committed */
  carrier?: object;
  written: boolean;
  /**
   * The route has answered: a timer or loop the request started inherits this scope, and its
   * transactions are not the change's.
   */
  closed?: boolean;
}

export const auditScope = new AsyncLocalStorage<RequestAudit>();

/**
 * Opens a request's audit scope. Registered after the body parsers: a parser calls `next` from
 * the socket's callbacks, which would leave a scope opened before it.
 */
export function auditScopeMiddleware(_req: Request, _res: Response, next: NextFunction): void {
  auditScope.run({ written: false }, next);
}
