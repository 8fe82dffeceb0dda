import { Module } from '@nestjs/common';
import { CalendarModule } from '../calendar/calendar.module';
import { ClinicsModule } from '../clinics/clinics.module';
import { PatientsModule } from '../patients/patients.module';
import { RemindersModule } from '../reminders/reminders.module';
import { SlotsModule } from '../slots/slots.module';
import { RiskScoresModule } from '../risk/risk-scores.module';
import { AppointmentImportService } from './appointment-import.service';
import { AppointmentBooking } from './appointment-booking.service';
import { AppointmentWorkflowService } from './appointment-workflow.service';
import { AppointmentsController } from './appointments.controller';
import { AppointmentDetailsRepository } from './appointment-details.repository';
import { AppointmentsRepository } from './appointments.repository';
import { AppointmentsService } from './appointments.service';
import { NoShowSweep } from './no-show-sweep.service';

@Module({
  imports: [
    PatientsModule,
    RemindersModule,
    CalendarModule,
    ClinicsModule,
    SlotsModule,
    RiskScoresModule,
  ],
  controllers: [AppointmentsController],
  providers: [
    AppointmentsService,
    AppointmentImportService,
    AppointmentWorkflowService,
    AppointmentBooking,
    AppointmentsRepository,
    AppointmentDetailsRepository,
    NoShowSweep,
  ],
  exports: [
    NoShowSweep,
    AppointmentBooking,
    AppointmentImportService,
    AppointmentWorkflowService,
    AppointmentsRepository,
    AppointmentDetailsRepository,
  ],
})
export class AppointmentsModule {}
