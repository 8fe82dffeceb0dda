import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CalendarEvent, CalendarEvents } from '../appointments/calendar-events.port';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { DueSignals } from '../common/due-work/due-signals';
import { CALENDAR_WORK, CalendarDeliveriesRepository } from './calendar-deliveries.repository';
import { GIVE_UP_AFTER_MS } from './delivery-policy';

/**
 * Writes each status change into the write-back outbox, in the transaction that made it. A
 * clinic without a calendarWebhookUrl or a calendar store keeps its changes in Turnout's own tables only: there is
 * nowhere to send them, and an event queued for a URL set later would be stale news.
 */
@Injectable()
export class CalendarOutbox extends CalendarEvents {
  constructor(
    private readonly deliveries: CalendarDeliveriesRepository,
    private readonly signals: DueSignals,
  ) {
    super();
  }

  wants(clinic: ClinicEntity): boolean {
    return Boolean(clinic.calendarWebhookUrl) || clinic.calendarStore !== null;
  }

  async record(m: EntityManager, clinic: ClinicEntity, event: CalendarEvent): Promise<void> {
    if (!this.wants(clinic)) return;
    await this.deliveries.insert(m, {
      clinicId: clinic.id,
      appointmentId: event.appointmentId,
      type: event.type,
      occurredAt: event.occurredAt,
      body: (id) =>
        JSON.stringify({
          id,
          type: event.type,
          occurredAt: event.occurredAt.toISOString(),
          appointment: event.appointment,
        }),
      giveUpAt: new Date(event.occurredAt.getTime() + GIVE_UP_AFTER_MS),
    });
    // Delivered right after this transaction commits, by whichever instance is listening.
    await this.signals.notify(m, CALENDAR_WORK);
  }
}
