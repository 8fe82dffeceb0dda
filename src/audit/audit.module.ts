import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditRetention } from './audit-retention.service';
import { AuditTransactionSubscriber } from './audit-transaction.subscriber';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/** The audit trail: who read or changed what (API.md, Staff accounts and audit). */
@Global()
@Module({
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditService,
    AuditTransactionSubscriber,
    AuditRetention,
    // global, so a route added later is audited without anyone remembering to
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
  exports: [AuditRepository],
})
export class AuditModule {}
