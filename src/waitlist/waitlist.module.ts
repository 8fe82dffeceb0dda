import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { ClinicsModule } from '../clinics/clinics.module';
import { SlotsModule } from '../slots/slots.module';
import { BackfillWaves } from './backfill-waves.service';
import { MissedVisitFollowUps } from './missed-visit-follow-ups.service';
import { MissedVisitsRepository } from './missed-visits.repository';
import { WaitlistBookings } from './waitlist-booking.service';
import { WaitlistController } from './waitlist.controller';
import { WaitlistEntries } from './waitlist-entries.service';
import { WaitlistRepository } from './waitlist.repository';
import { WaitlistService } from './waitlist.service';

/**
 * The waitlist and the filling of freed time: routes, waves, and bookings by text; the
 * missed-visit follow-up (its text as due work; the reply side is conversations').
 */
@Module({
  imports: [AppointmentsModule, ClinicsModule, SlotsModule],
  controllers: [WaitlistController],
  providers: [
    WaitlistService,
    WaitlistRepository,
    WaitlistEntries,
    WaitlistBookings,
    BackfillWaves,
    MissedVisitsRepository,
    MissedVisitFollowUps,
  ],
  exports: [WaitlistBookings, MissedVisitsRepository],
})
export class WaitlistModule {}
