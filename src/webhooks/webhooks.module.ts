import { Inject, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { json } from 'express';
import { keepRawJson } from '../common/http/json-depth';
import { ClinicsModule } from '../clinics/clinics.module';
import { WEBHOOK_REQUEST_LOG, type WebhookRequestLog } from '../logging/logging.module';
import { SimulatorModule } from '../simulator/simulator.module';
import { FlowrouteWebhooksController } from './flowroute-webhooks.controller';
import { InboxModule } from './inbox/inbox.module';
import { TelnyxWebhooksController } from './telnyx-webhooks.controller';
import { TwilioWebhooksController } from './twilio-webhooks.controller';
import { SenderClinicCache } from './sender-clinic.cache';
import { SenderClinicsRepository } from './sender-clinics.repository';
import { WebhookIntakeService } from './webhook-intake.service';

/**
 * Flowroute posts JSON:API (`application/vnd.api+json`), which the app's JSON parser does not
 * take; this one does, for Flowroute's routes only, and keeps the raw bytes like the others.
 */
const jsonApiBody = json({
  type: 'application/vnd.api+json',
  limit: '1mb',
  verify: keepRawJson,
});

/** Provider webhooks (inbound messages, delivery status) and the fake provider's simulator. */
@Module({
  imports: [ClinicsModule, InboxModule, SimulatorModule],
  controllers: [TwilioWebhooksController, FlowrouteWebhooksController, TelnyxWebhooksController],
  providers: [WebhookIntakeService, SenderClinicCache, SenderClinicsRepository],
})
export class WebhooksModule implements NestModule {
  constructor(@Inject(WEBHOOK_REQUEST_LOG) private readonly requestLog: WebhookRequestLog) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(this.requestLog)
      .forRoutes(TwilioWebhooksController, FlowrouteWebhooksController, TelnyxWebhooksController);
    consumer.apply(jsonApiBody).forRoutes(FlowrouteWebhooksController);
  }
}
