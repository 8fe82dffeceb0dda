import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { ClinicsModule } from '../clinics/clinics.module';
import { BroadcastSender } from './broadcast-sender.service';
import { BroadcastsController } from './broadcasts.controller';
import { BroadcastsRepository } from './broadcasts.repository';
import { BroadcastsService } from './broadcasts.service';

/** Broadcasts: one text to a day's patients, optionally cancelling their appointments. */
@Module({
  imports: [AppointmentsModule, ClinicsModule],
  controllers: [BroadcastsController],
  providers: [BroadcastsService, BroadcastsRepository, BroadcastSender],
  exports: [BroadcastSender],
})
export class BroadcastsModule {}
