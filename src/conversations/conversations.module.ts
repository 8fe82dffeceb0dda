import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { ClinicsModule } from '../clinics/clinics.module';
import { SlotsModule } from '../slots/slots.module';
import { WaitlistModule } from '../waitlist/waitlist.module';
import { SurveysModule } from '../surveys/surveys.module';
import { AppointmentReplies } from './appointment-replies.service';
import { ConsentKeywordHandler } from './consent-keyword.handler';
import { ConversationOutbox } from './conversation-outbox.port';
import { ConversationsController } from './conversations.controller';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { InboundMessageHandler } from './inbound-message-handler';
import { PipelineConversationOutbox } from './conversation-outbox.pipeline';
import { KeywordFactsRepository } from './keyword-facts.repository';
import { ReplyLinksRepository } from './reply-links.repository';
import { ReplyWorkflowHandler } from './reply-workflow.handler';
import { RescheduleOffersRepository } from './reschedule-offers.repository';
import { RescheduleOffers } from './reschedule-offers.service';
import { HoldExpiry } from './hold-expiry.service';
import { MissedVisitReplies } from './missed-visit-replies.service';

/** Patients' replies and the staff inbox: the InboundMessageHandler the webhook inbox calls. */
@Module({
  imports: [AppointmentsModule, ClinicsModule, SlotsModule, SurveysModule, WaitlistModule],
  controllers: [ConversationsController],
  providers: [
    ConsentKeywordHandler,
    ReplyWorkflowHandler,
    AppointmentReplies,
    MissedVisitReplies,
    ReplyLinksRepository,
    RescheduleOffers,
    RescheduleOffersRepository,
    ConversationsRepository,
    ConversationsService,
    HoldExpiry,
    KeywordFactsRepository,
    { provide: ConversationOutbox, useClass: PipelineConversationOutbox },
    { provide: InboundMessageHandler, useExisting: ReplyWorkflowHandler },
  ],
  exports: [InboundMessageHandler, ConversationOutbox, HoldExpiry],
})
export class ConversationsModule {}
