import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { DueWork } from '../common/due-work/due-work';
import { AuditRepository } from './audit.repository';

const BATCH_SIZE = 1_000;
/** Retention is counted in days: looking again every few hours is soon enough. */
const LOOK_AGAIN_MS = 6 * 60 * 60 * 1000;

/**
 * Due work: entries older than their clinic's `auditRetentionDays` are deleted, the only
 * deletion the audit table allows. Each purge leaves an entry of its own (actor `system`).
 */
@Injectable()
export class AuditRetention {
  constructor(
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * The due-work engine's pass: purges what is due, then when to look again. Nothing signals
   * it: it runs at start and every LOOK_AGAIN_MS (a lowered retention applies within that).
   */
  @DueWork({ name: 'audit-retention', poll: 'dispatchIntervalMs', safetyPollMs: LOOK_AGAIN_MS })
  async pass(): Promise<Date | null> {
    const now = this.clock.now();
    const purged = new Map<string, number>();
    for (;;) {
      const batch = await this.audit.purge(now, BATCH_SIZE);
      for (const { clinicId, deleted } of batch) {
        purged.set(clinicId, (purged.get(clinicId) ?? 0) + deleted);
      }
      if (batch.reduce((n, b) => n + b.deleted, 0) < BATCH_SIZE) break;
    }
    for (const [clinicId, deleted] of purged) {
      await this.audit.insertSystem(clinicId, now, 'auditRetentionPurge', String(deleted));
    }
    return new Date(now.getTime() + LOOK_AGAIN_MS);
  }
}
