import type { MessageReadRow, ReminderReadRow } from './appointment-details.repository';
import type { AppointmentRow } from './appointments.repository';
import type { AppointmentView, HistoryView } from './dto/appointment-view.dto';

export interface HistoryReadRow {
  appointment_id: string;
  at: Date;
  event: string;
  from_status: string | null;
  to_status: string;
  source: string;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toAppointmentView(
  row: AppointmentRow,
  reminders: ReminderReadRow[],
  history: HistoryReadRow[],
  messages?: MessageReadRow[],
): AppointmentView {
  const view: AppointmentView = {
    id: row.id,
    externalId: row.external_id,
    status: row.status,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    durationMinutes: row.duration_minutes,
    patient: {
      name: row.patient_name,
      phone: row.patient_phone,
      language: row.patient_language,
      optedOut: row.patient_opted_out_at !== null,
      timezone: row.patient_timezone,
    },
    practitioner: row.practitioner,
    location: row.location,
    type: row.type,
    reminders: reminders.map((r) => ({
      offset: r.offset,
      dueAt: r.due_at.toISOString(),
      status: r.status,
      sentAt: iso(r.sent_at),
      reason: r.reason,
    })),
    history: history.map((h): HistoryView => ({
      at: h.at.toISOString(),
      event: h.event,
      from: h.from_status,
      to: h.to_status,
      source: h.source,
    })),
  };
  if (row.filled_from) view.filledFrom = row.filled_from;
  if (row.rebook_of) view.rebookOf = row.rebook_of;
  if (messages) {
    view.messages = messages.map((m) => ({
      direction: m.direction,
      // the log stores a patient's text as 'reply'; the contract calls it 'inbound'
      kind: m.direction === 'inbound' ? 'inbound' : m.kind,
      body: m.body,
      at: m.created_at.toISOString(),
      status: m.status,
      segments: m.segments,
      media: m.media ?? [],
    }));
  }
  return view;
}
