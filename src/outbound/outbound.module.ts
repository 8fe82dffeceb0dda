import { Global, Module } from '@nestjs/common';
import { ReminderClaimsRepository } from './claim/reminder-claims.repository';
import { INSTANCE_ID, newInstanceId } from '../common/instance/instance-id';
import { DispatchMetrics } from './record/dispatch.metrics';
import { MessageClaimsRepository } from './claim/message-claims.repository';
import { DailyCapsRepository } from './claim/daily-caps.repository';
import { DailyCapRetention } from './claim/daily-cap-retention.service';
import { OutboundDispatcher } from './outbound-dispatcher.service';
import { OutboundMessages } from './outbound-messages';
import { OutboundSender } from './send/outbound-sender';
import { OutcomeRecorder } from './record/outcome-recorder';
import { OutcomesRepository } from './record/outcomes.repository';
import { Pacer, RealPacer } from './send/pacer';
import { Randomness, SystemRandomness } from './randomness';
import { SenderBudgetRepository } from './send/sender-budget.repository';
import { SenderHealth } from './send/sender-health';
import { SlotReserver } from './send/slot-reserver';

/**
 * The outbound pipeline: every text Turnout sends. Producers (any feature) write message rows
 * through OutboundMessages inside their own transactions; due reminders are claimed here.
 */
@Global()
@Module({
  providers: [
    { provide: INSTANCE_ID, useFactory: newInstanceId },
    { provide: Pacer, useClass: RealPacer },
    { provide: Randomness, useClass: SystemRandomness },
    ReminderClaimsRepository,
    MessageClaimsRepository,
    DailyCapsRepository,
    DailyCapRetention,
    OutcomesRepository,
    SenderBudgetRepository,
    SenderHealth,
    SlotReserver,
    DispatchMetrics,
    OutcomeRecorder,
    OutboundSender,
    OutboundDispatcher,
    OutboundMessages,
  ],
  exports: [OutboundDispatcher, OutboundMessages, INSTANCE_ID],
})
export class OutboundModule {}
