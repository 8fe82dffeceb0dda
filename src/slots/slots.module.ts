import { Module } from '@nestjs/common';
import { SlotsController } from './slots.controller';
import { SlotHoldsRepository } from './slot-holds.repository';
import { SlotsRepository } from './slots.repository';
import { SlotsService } from './slots.service';
import { FreedTime } from '../appointments/freed-time.port';
import { SlotFreedTime } from './slot-freed-time';

@Module({
  controllers: [SlotsController],
  providers: [
    SlotsService,
    SlotsRepository,
    SlotHoldsRepository,
    { provide: FreedTime, useClass: SlotFreedTime },
  ],
  exports: [SlotsRepository, SlotHoldsRepository, FreedTime],
})
export class SlotsModule {}
