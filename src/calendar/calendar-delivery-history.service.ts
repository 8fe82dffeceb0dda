import { Injectable } from '@nestjs/common';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { ConflictError, NotFoundError } from '../common/errors/domain-errors';
import { CalendarDeliveriesRepository, DeliveryRow } from './calendar-deliveries.repository';
import { GIVE_UP_AFTER_MS } from './delivery-policy';
import type {
  CalendarDeliveryList,
  CalendarDeliveryView,
  ListCalendarDeliveriesQuery,
} from './dto/calendar-deliveries.dto';

const EVENT_ID = /^evt_[0-9a-f]{32}$/;

/** What staff see of the write-back, and the retry of a failed event. */
@Injectable()
export class CalendarDeliveryHistory {
  constructor(
    private readonly deliveries: CalendarDeliveriesRepository,
    private readonly clock: Clock,
  ) {}

  async list(clinic: ClinicEntity, q: ListCalendarDeliveriesQuery): Promise<CalendarDeliveryList> {
    const rows = await this.deliveries.list(clinic.id, { status: q.status, limit: q.limit ?? 100 });
    return { items: rows.map(toView) };
  }

  async retry(clinic: ClinicEntity, id: string): Promise<CalendarDeliveryView> {
    if (!EVENT_ID.test(id)) throw new NotFoundError('calendar delivery');
    const now = this.clock.now();
    const row = await this.deliveries.retryFailed(
      clinic.id,
      id,
      now,
      new Date(now.getTime() + GIVE_UP_AFTER_MS),
    );
    if (row) return toView(row);
    const current = await this.deliveries.find(clinic.id, id);
    if (!current) throw new NotFoundError('calendar delivery');
    throw new ConflictError([
      `calendar delivery is ${current.status}; only a failed one is retried`,
    ]);
  }
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toView(r: DeliveryRow): CalendarDeliveryView {
  return {
    id: r.id,
    appointmentId: r.appointment_id,
    type: r.type,
    occurredAt: r.occurred_at.toISOString(),
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
    lastAttemptAt: iso(r.last_attempt_at),
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    deliveredAt: iso(r.delivered_at),
  };
}
