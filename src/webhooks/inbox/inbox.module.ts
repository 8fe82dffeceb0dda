import { Module } from '@nestjs/common';
import { ConversationsModule } from '../../conversations/conversations.module';
import { WebhookMetrics } from '../webhooks.metrics';
import { InboundEventProcessor } from './inbound-event.processor';
import { InboxEffectsRepository } from './inbox-effects.repository';
import { InboxProcessor } from './inbox-processor.service';
import { InboxRepository } from './inbox.repository';
import { InboxWriter } from './inbox-writer.service';
import { StatusEventProcessor } from './status-event.processor';

/** The webhook inbox: where provider events wait, once each, until they are processed. */
@Module({
  imports: [ConversationsModule],
  providers: [
    InboxRepository,
    InboxWriter,
    InboxEffectsRepository,
    InboxProcessor,
    InboundEventProcessor,
    StatusEventProcessor,
    WebhookMetrics,
  ],
  exports: [InboxRepository, InboxWriter, InboxProcessor, WebhookMetrics],
})
export class InboxModule {}
