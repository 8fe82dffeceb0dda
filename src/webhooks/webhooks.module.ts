import { Module } from '@nestjs/common';

/** Provider webhooks (inbound messages, delivery status) and the fake provider's simulator. */
@Module({})
export class WebhooksModule {}
