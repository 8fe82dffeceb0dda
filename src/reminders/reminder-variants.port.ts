import type { EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';

/**
 * Experiments' say in reminder planning, inside the planning transaction: which appointments
 * take other reminder offsets than the clinic's. Each map holds only the appointments whose
 * variant sets offsets; the rest follow the clinic.
 */
export abstract class ReminderVariants {
  /** Assigns appointments planned for the first time while an experiment runs. */
  abstract assign(
    m: EntityManager,
    clinic: ClinicEntity,
    appointmentIds: string[],
    now: Date,
  ): Promise<Map<string, string[]>>;

  /** The offsets of appointments already assigned (kept through moves and replans). */
  abstract offsetsOf(m: EntityManager, appointmentIds: string[]): Promise<Map<string, string[]>>;
}
