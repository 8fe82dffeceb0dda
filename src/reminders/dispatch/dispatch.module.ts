import { Module } from '@nestjs/common';
import { ClaimsRepository } from './claims.repository';
import { DISPATCH_INSTANCE_ID, newInstanceId } from './dispatch-instance';
import { DispatchMetrics } from './dispatch.metrics';
import { DispatchScheduler } from './dispatch.scheduler';
import { OutcomeRecorder } from './outcome-recorder';
import { OutcomesRepository } from './outcomes.repository';
import { Pacer, RealPacer } from './pacer';
import { Randomness, SystemRandomness } from './randomness';
import { ReminderDispatcher } from './reminder-dispatcher.service';
import { ReminderSender } from './reminder-sender';
import { SenderBudgetRepository } from './sender-budget.repository';
import { SlotReserver } from './slot-reserver';

/** The reminder dispatcher: claims due reminders and sends them through the clinic's provider. */
@Module({
  providers: [
    { provide: DISPATCH_INSTANCE_ID, useFactory: newInstanceId },
    { provide: Pacer, useClass: RealPacer },
    { provide: Randomness, useClass: SystemRandomness },
    ClaimsRepository,
    OutcomesRepository,
    SenderBudgetRepository,
    SlotReserver,
    DispatchMetrics,
    OutcomeRecorder,
    ReminderSender,
    ReminderDispatcher,
    DispatchScheduler,
  ],
  exports: [ReminderDispatcher],
})
export class DispatchModule {}
