import { ApiKeyEntity } from '../auth/api-key.entity';
import { ClinicEntity } from '../clinics/clinic.entity';

/** The two tables read through TypeORM's repositories; every other table is read in SQL. */
export const ENTITIES = [ClinicEntity, ApiKeyEntity];
