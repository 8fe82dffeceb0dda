import { Module } from '@nestjs/common';
import { PatientsModule } from '../patients/patients.module';
import { RemindersModule } from '../reminders/reminders.module';
import { AppointmentImportService } from './appointment-import.service';
import { AppointmentWorkflowService } from './appointment-workflow.service';
import { AppointmentsController } from './appointments.controller';
import { AppointmentDetailsRepository } from './appointment-details.repository';
import { AppointmentsRepository } from './appointments.repository';
import { AppointmentsService } from './appointments.service';

@Module({
  imports: [PatientsModule, RemindersModule],
  controllers: [AppointmentsController],
  providers: [
    AppointmentsService,
    AppointmentImportService,
    AppointmentWorkflowService,
    AppointmentsRepository,
    AppointmentDetailsRepository,
  ],
  exports: [AppointmentWorkflowService, AppointmentsRepository],
})
export class AppointmentsModule {}
