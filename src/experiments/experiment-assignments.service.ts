import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { localDate } from '../common/time/starts-at';
import { ReminderVariants } from '../reminders/reminder-variants.port';
import { ExperimentsRepository } from './experiments.repository';
import { assignVariant } from './variant-assignment';

/** Assigns variants when reminders are planned, and tells the planner the variant's offsets. */
@Injectable()
export class ExperimentAssignments implements ReminderVariants {
  constructor(private readonly experiments: ExperimentsRepository) {}

  async assign(
    m: EntityManager,
    clinic: ClinicEntity,
    appointmentIds: string[],
    now: Date,
  ): Promise<Map<string, string[]>> {
    if (appointmentIds.length === 0) return new Map();
    const experiment = await this.experiments.running(
      m,
      clinic.id,
      localDate(now, clinic.timezone),
    );
    if (!experiment) return new Map();
    await this.experiments.insertAssignments(
      m,
      appointmentIds.map((appointmentId) => {
        const index = assignVariant(experiment.id, appointmentId, experiment.weights);
        return {
          appointmentId,
          experimentId: experiment.id,
          variantIndex: index,
          variant: experiment.variants[index].key,
        };
      }),
      now,
    );
    if (!experiment.variants.some((v) => v.reminderOffsets)) return new Map();
    // Read back rather than trust the insert: an appointment assigned earlier keeps its variant.
    return this.offsetsOf(m, appointmentIds);
  }

  async offsetsOf(m: EntityManager, appointmentIds: string[]): Promise<Map<string, string[]>> {
    const rows = await this.experiments.assignedOffsets(m, appointmentIds);
    return new Map(rows.map((r) => [r.appointment_id, r.offsets]));
  }
}
