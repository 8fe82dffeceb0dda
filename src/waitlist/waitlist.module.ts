import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { ClinicsModule } from '../clinics/clinics.module';
import { SlotsModule } from '../slots/slots.module';
import { BackfillWaves } from './backfill-waves.service';
import { WaitlistBookings } from './waitlist-booking.service';
import { WaitlistController } from './waitlist.controller';
import { WaitlistEntries } from './waitlist-entries.service';
import { WaitlistRepository } from './waitlist.repository';
import { WaitlistService } from './waitlist.service';

/** The waitlist and the filling of freed time: routes, waves, and bookings by text. */
@Module({
  imports: [AppointmentsModule, ClinicsModule, SlotsModule],
  controllers: [WaitlistController],
  providers: [
    WaitlistService,
    WaitlistRepository,
    WaitlistEntries,
    WaitlistBookings,
    BackfillWaves,
  ],
  exports: [WaitlistBookings],
})
export class WaitlistModule {}
