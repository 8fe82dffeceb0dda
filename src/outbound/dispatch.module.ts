import { Global, Module } from '@nestjs/common';
import { ClaimsRepository } from './claims.repository';
import { DISPATCH_INSTANCE_ID, newInstanceId } from './dispatch-instance';
import { DispatchMetrics } from './dispatch.metrics';
import { DispatchScheduler } from './dispatch.scheduler';
import { MessageClaimsRepository } from './message-claims.repository';
import { OutboundDispatcher } from './outbound-dispatcher.service';
import { OutboundMessages } from './outbound-messages';
import { OutboundSender } from './outbound-sender';
import { OutcomeRecorder } from './outcome-recorder';
import { OutcomesRepository } from './outcomes.repository';
import { Pacer, RealPacer } from './pacer';
import { Randomness, SystemRandomness } from './randomness';
import { SenderBudgetRepository } from './sender-budget.repository';
import { SenderHealth } from './sender-health';
import { SlotReserver } from './slot-reserver';

/**
 * The outbound pipeline: every text Turnout sends. Producers (any feature) write message rows
 * through OutboundMessages inside their own transactions; due reminders are claimed here.
 */
@Global()
@Module({
  providers: [
    { provide: DISPATCH_INSTANCE_ID, useFactory: newInstanceId },
    { provide: Pacer, useClass: RealPacer },
    { provide: Randomness, useClass: SystemRandomness },
    ClaimsRepository,
    MessageClaimsRepository,
    OutcomesRepository,
    SenderBudgetRepository,
    SenderHealth,
    SlotReserver,
    DispatchMetrics,
    OutcomeRecorder,
    OutboundSender,
    OutboundDispatcher,
    DispatchScheduler,
    OutboundMessages,
  ],
  exports: [OutboundDispatcher, OutboundMessages, DispatchScheduler, DISPATCH_INSTANCE_ID],
})
export class DispatchModule {}
