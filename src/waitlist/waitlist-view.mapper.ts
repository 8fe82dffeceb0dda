import type { WaitlistEntryView } from './dto/waitlist.dto';
import type { EntryRow } from './waitlist.repository';

const iso = (at: string) => new Date(at).toISOString();

/** An entry with its offers, newest first; an offer whose slot someone else booked is `taken`. */
export function toEntryView(row: EntryRow): WaitlistEntryView {
  return {
    id: row.id,
    status: row.status,
    patient: {
      name: row.patient_name,
      phone: row.patient_phone,
      language: row.patient_language,
      optedOut: row.patient_opted_out,
    },
    practitioner: row.practitioner,
    location: row.location,
    type: row.type,
    durationMinutes: row.duration_minutes,
    notBefore: row.not_before,
    notAfter: row.not_after,
    appointmentId: row.appointment_id,
    appointmentExternalId: row.appointment_external_id,
    priority: row.priority,
    source: row.source,
    bookedAppointmentId: row.booked_appointment_id,
    offers: row.offers.map((o) => ({
      slotId: o.slot_id,
      startsAt: iso(o.starts_at),
      practitioner: o.practitioner,
      location: o.location,
      offeredAt: iso(o.created_at),
      status: o.closed_reason ?? (o.slot_taken ? 'taken' : 'open'),
    })),
    createdAt: row.created_at.toISOString(),
  };
}
