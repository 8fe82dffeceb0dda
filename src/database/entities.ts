import { AppointmentEventEntity } from '../appointments/appointment-event.entity';
import { AppointmentEntity } from '../appointments/appointment.entity';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { ClinicEntity } from '../clinics/clinic.entity';
import { PatientEntity } from '../patients/patient.entity';
import { SlotEntity } from '../slots/slot.entity';

export const ENTITIES = [
  ClinicEntity,
  ApiKeyEntity,
  PatientEntity,
  AppointmentEntity,
  AppointmentEventEntity,
  SlotEntity,
];
