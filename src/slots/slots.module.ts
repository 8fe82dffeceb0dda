import { Module } from '@nestjs/common';
import { SlotsController } from './slots.controller';
import { SlotHoldsRepository } from './slot-holds.repository';
import { SlotsRepository } from './slots.repository';
import { SlotsService } from './slots.service';

@Module({
  controllers: [SlotsController],
  providers: [SlotsService, SlotsRepository, SlotHoldsRepository],
  exports: [SlotsRepository, SlotHoldsRepository],
})
export class SlotsModule {}
