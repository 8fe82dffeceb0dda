import { Global, Module } from '@nestjs/common';
import { MessagesRepository } from './messages.repository';
import { ProviderRegistry } from './provider-registry';

@Global()
@Module({
  providers: [ProviderRegistry, MessagesRepository],
  exports: [ProviderRegistry, MessagesRepository],
})
export class MessagingModule {}
