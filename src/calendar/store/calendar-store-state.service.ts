import { Injectable } from '@nestjs/common';
import type { ClinicEntity } from '../../clinics/clinic.entity';
import { CalendarStoreRepository } from './calendar-store.repository';
import type { CalendarStoreStateView } from './dto/calendar-store-state.dto';

const UNMAPPED_SHOWN = 100;
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** What staff see of the store: reads, writes, counts, the last error, unmapped events. */
@Injectable()
export class CalendarStoreState {
  constructor(private readonly repository: CalendarStoreRepository) {}

  async view(clinic: ClinicEntity): Promise<CalendarStoreStateView> {
    const [state, deliveries, unmapped, conflicts] = await Promise.all([
      clinic.calendarStore ? this.repository.state(clinic.id) : null,
      this.repository.deliveryCounts(clinic.id),
      clinic.calendarStore ? this.repository.unmapped(clinic.id, UNMAPPED_SHOWN) : [],
      clinic.calendarStore ? this.repository.conflicts(clinic.id, UNMAPPED_SHOWN) : [],
    ]);
    const errorAt = state?.last_error_at ?? deliveries.last_error_at;
    const readError = state?.last_error ?? null;
    const lastError = readError
      ? { message: readError, at: iso(state?.last_error_at)! }
      : deliveries.last_error && errorAt
        ? { message: deliveries.last_error, at: errorAt.toISOString() }
        : null;
    return {
      type: clinic.calendarStore?.type ?? 'webhook',
      lastReadAt: iso(state?.last_read_at),
      lastWriteAt: iso(state ? state.last_write_at : deliveries.last_delivered_at),
      nextReadAt: iso(state?.next_sync_at),
      counts: {
        reads: state?.reads ?? 0,
        eventsRead: state?.events_read ?? 0,
        appointments: state?.appointments ?? 0,
        writes: state ? state.writes : deliveries.delivered,
        writeConflicts: state?.write_conflicts ?? 0,
        calendarKept: state?.calendar_kept ?? 0,
        pendingWrites: deliveries.pending,
        failedWrites: deliveries.failed,
        unmapped: state?.unmapped ?? 0,
      },
      lastError,
      unmapped: unmapped.map((u) => ({
        ref: u.ref,
        summary: u.summary,
        reason: u.reason,
        seenAt: u.seen_at.toISOString(),
      })),
      conflicts: conflicts.map((k) => ({
        deliveryId: k.id,
        appointmentId: k.appointment_id,
        externalId: k.external_id,
        message: k.last_error ?? '',
        at: iso(k.last_attempt_at) ?? '',
      })),
    };
  }
}
