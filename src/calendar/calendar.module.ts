import { Module } from '@nestjs/common';
import { CalendarEvents } from '../appointments/calendar-events.port';
import { CalendarDeliveriesController } from './calendar-deliveries.controller';
import { CalendarDeliveriesRepository } from './calendar-deliveries.repository';
import { CalendarDeliveryHistory } from './calendar-delivery-history.service';
import { CalendarWriteBack } from './calendar-write-back.service';
import { CalendarOutbox } from './calendar-outbox';
import { CalendarWebhookClient, FetchCalendarWebhookClient } from './calendar-webhook.client';
import { CalendarMetrics } from './calendar.metrics';
import { CalDavStore } from './store/caldav.store';
import { CalendarStoreRepository } from './store/calendar-store.repository';
import { CalendarStoreWriter } from './store/calendar-store-writer';
import { CalendarStores } from './store/calendar-stores';
import { FhirStore } from './store/fhir.store';
import { SmartBackendTokens } from './store/smart-backend-tokens';
import { WebhookStore } from './store/webhook.store';

/**
 * Calendar write-back: the outbox status changes are written to, and its delivery, to the
 * clinic's webhook or its calendar store (CalDAV, FHIR) through the store's adapter.
 */
@Module({
  controllers: [CalendarDeliveriesController],
  providers: [
    CalendarDeliveriesRepository,
    CalendarDeliveryHistory,
    CalendarWriteBack,
    CalendarMetrics,
    { provide: CalendarEvents, useClass: CalendarOutbox },
    { provide: CalendarWebhookClient, useClass: FetchCalendarWebhookClient },
    WebhookStore,
    CalDavStore,
    FhirStore,
    SmartBackendTokens,
    CalendarStores,
    CalendarStoreRepository,
    CalendarStoreWriter,
  ],
  exports: [CalendarEvents, CalendarWriteBack, CalendarStores, CalendarStoreRepository],
})
export class CalendarModule {}
