import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DataSource,
  EntitySubscriberInterface,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { auditScope } from './audit-scope';
import { AuditRepository } from './audit.repository';

/**
 * Writes a request's change entry inside the first transaction the request commits, just
 * before its COMMIT: the change and its entry are one transaction. A transaction that rolls
 * back (a retry after a conflict, a failure) takes its entry with it, and the next one carries
 * it again.
 */
@Injectable()
export class AuditTransactionSubscriber implements EntitySubscriberInterface, OnModuleInit {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditRepository,
  ) {}

  onModuleInit(): void {
    this.ds.subscribers.push(this);
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const scope = auditScope.getStore();
    const runner = event.queryRunner as unknown as { transactionDepth?: number };
    if (!scope?.change || scope.written || scope.carrier || scope.closed) return;
    if ((runner.transactionDepth ?? 1) > 1) return; // a savepoint, not the commit
    scope.carrier = event.queryRunner;
    await this.audit.insert(event.queryRunner, scope.change);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const scope = auditScope.getStore();
    if (scope?.carrier === event.queryRunner) {
      scope.written = true;
      scope.carrier = undefined;
    }
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const scope = auditScope.getStore();
    if (scope?.carrier === event.queryRunner) scope.carrier = undefined;
  }
}
