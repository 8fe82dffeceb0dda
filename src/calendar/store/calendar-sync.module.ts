import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../../appointments/appointments.module';
import { ClinicsModule } from '../../clinics/clinics.module';
import { CalendarModule } from '../calendar.module';
import { CalendarStoreController } from './calendar-store.controller';
import { CalendarStoreState } from './calendar-store-state.service';
import { CalendarSync } from './calendar-sync.service';

/**
 * Reading the clinic's calendar store into appointments: apart from CalendarModule because it
 * uses the appointments' import, and the appointments module wires CalendarModule in.
 */
@Module({
  imports: [CalendarModule, AppointmentsModule, ClinicsModule],
  controllers: [CalendarStoreController],
  providers: [CalendarSync, CalendarStoreState],
  exports: [CalendarSync],
})
export class CalendarSyncModule {}
