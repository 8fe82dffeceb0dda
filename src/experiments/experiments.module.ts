import { Module } from '@nestjs/common';
import { ReminderVariants } from '../reminders/reminder-variants.port';
import { ExperimentAssignments } from './experiment-assignments.service';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsRepository } from './experiments.repository';
import { ExperimentsService } from './experiments.service';

@Module({
  controllers: [ExperimentsController],
  providers: [
    ExperimentsRepository,
    ExperimentsService,
    ExperimentAssignments,
    { provide: ReminderVariants, useExisting: ExperimentAssignments },
  ],
  exports: [ReminderVariants],
})
export class ExperimentsModule {}
