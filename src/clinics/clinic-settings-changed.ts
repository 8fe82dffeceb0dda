import type { EntityManager } from 'typeorm';
import type { ClinicEntity } from './clinic.entity';

/**
 * Port through which a settings change reaches features that depend on it (the reminder plan),
 * inside the same transaction, without the clinics module importing them.
 */
export abstract class ClinicSettingsChanged {
  abstract afterUpdate(
    manager: EntityManager,
    before: ClinicEntity,
    after: ClinicEntity,
  ): Promise<void>;
}
