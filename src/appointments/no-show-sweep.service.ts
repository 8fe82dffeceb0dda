import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ClinicsRepository } from '../clinics/clinics.repository';
import { Clock } from '../common/clock/clock';
import { DueWork } from '../common/due-work/due-work';
import { AppointmentWorkflowService } from './appointment-workflow.service';
import { AppointmentsRepository } from './appointments.repository';

const BATCH_SIZE = 100;

/**
 * Due work for the due-work engine: an appointment still `scheduled` or `confirmed` past its
 * end plus the clinic's noShowGraceMinutes becomes `no_show` (source `system`), through the
 * machine like any change, so it is written back to the calendar too. Safe with any number of
 * instances: rows are claimed with SKIP LOCKED and re-decided under the lock.
 */
@Injectable()
export class NoShowSweep {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly appointments: AppointmentsRepository,
    private readonly clinics: ClinicsRepository,
    private readonly workflow: AppointmentWorkflowService,
    private readonly clock: Clock,
  ) {}

  /** The due-work engine's pass: every appointment due now, then when to look again. */
  // No producer signals it: it sleeps until the next appointment's end plus grace, or the poll.
  // An appointment being marked by another instance is skipped, not waited for: look again 1 s on.
  @DueWork({ name: 'no-show', poll: 'dispatchIntervalMs', minGapMs: 1_000 })
  async pass(): Promise<Date | null> {
    while ((await this.runOnce()) > 0);
    return this.appointments.nextNoShowDue();
  }

  /** Marks one batch; returns how many appointments became no-shows. */
  async runOnce(limit = BATCH_SIZE): Promise<number> {
    const now = this.clock.now();
    return this.ds.transaction(async (m) => {
      const rows = await this.appointments.lockDueNoShows(m, now, limit);
      const clinics = new Map<string, ClinicEntity>();
      let marked = 0;
      for (const row of rows) {
        let clinic = clinics.get(row.clinic_id);
        if (!clinic) {
          clinic = (await this.clinics.findById(row.clinic_id, m))!;
          clinics.set(clinic.id, clinic);
        }
        const r = await this.workflow.apply(m, clinic, row, 'NO_SHOW_TIMEOUT', 'system', now);
        if (r.accepted) marked += 1;
      }
      return marked;
    });
  }
}
