import { Module } from '@nestjs/common';
import { InboxModule } from '../webhooks/inbox/inbox.module';
import { SentTextsRepository } from './sent-texts.repository';
import { SimulatorController } from './simulator.controller';
import { SimulatorService } from './simulator.service';

/** The fake provider's network, for trials and tests: inject replies, read what was sent. */
@Module({
  imports: [InboxModule],
  controllers: [SimulatorController],
  providers: [SimulatorService, SentTextsRepository],
})
export class SimulatorModule {}
