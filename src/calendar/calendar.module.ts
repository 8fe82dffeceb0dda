import { Module } from '@nestjs/common';
import { CalendarEvents } from '../appointments/calendar-events.port';
import { CalendarDeliveriesController } from './calendar-deliveries.controller';
import { CalendarDeliveriesRepository } from './calendar-deliveries.repository';
import { CalendarDeliveryHistory } from './calendar-delivery-history.service';
import { CalendarWriteBack } from './calendar-write-back.service';
import { CalendarOutbox } from './calendar-outbox';
import { CalendarWebhookClient, FetchCalendarWebhookClient } from './calendar-webhook.client';
import { CalendarMetrics } from './calendar.metrics';

/** Calendar write-back: the outbox status changes are written to, and its delivery. */
@Module({
  controllers: [CalendarDeliveriesController],
  providers: [
    CalendarDeliveriesRepository,
    CalendarDeliveryHistory,
    CalendarWriteBack,
    CalendarMetrics,
    { provide: CalendarEvents, useClass: CalendarOutbox },
    { provide: CalendarWebhookClient, useClass: FetchCalendarWebhookClient },
  ],
  exports: [CalendarEvents, CalendarWriteBack],
})
export class CalendarModule {}
