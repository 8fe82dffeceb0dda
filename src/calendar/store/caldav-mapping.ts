import type ICAL from 'ical.js';
import type { AppointmentStatus } from '../../appointments/appointment.machine';
import {
  isValidTimeZone,
  wallTimeOf,
  wallTimeToInstantCompatible,
} from '../../common/time/starts-at';
import type { UnmappedEvent, UploadItem } from './calendar-store.port';

let loaded: typeof ICAL | undefined;

/**
 * ical.js, loaded at the first calendar read or write instead of at every start: 300 KB of the
 * bundle that a service without a CalDAV store never runs.
 */
function ical(): typeof ICAL {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('ical.js') as typeof ICAL);
}

/** One VEVENT, read once: what the mapping table's rows take their values from. */
export interface IcsEvent {
  uid: string | null;
  summary: string | null;
  start: Date | null;
  end: Date | null;
  /** why the start could not be placed in time, when it could not */
  timeProblem: string | null;
  /** attendees whose address is a tel: URI */
  phones: { phone: string; cn: string | null; language: string | null }[];
  organizerCn: string | null;
  location: string | null;
  categories: string[];
  status: string | null;
  recurring: boolean;
}

type Field = keyof UploadItem | 'patient.phone' | 'patient.name' | 'patient.language';

/**
 * The CalDAV mapping, one row per appointment field: which part of the event it is read from.
 * The contract's rules, kept as data; each row has its own spec (caldav-mapping.spec.ts).
 */
export const CALDAV_FIELDS: { field: Field; source: string; read: (e: IcsEvent) => unknown }[] = [
  { field: 'externalId', source: 'UID', read: (e) => e.uid },
  {
    field: 'patient.phone',
    source: 'the ATTENDEE with a tel: URI',
    read: (e) => e.phones[0]?.phone,
  },
  {
    field: 'patient.name',
    source: "that ATTENDEE's CN",
    read: (e) => e.phones[0]?.cn ?? undefined,
  },
  {
    field: 'patient.language',
    source: "that ATTENDEE's LANGUAGE (en, es)",
    read: (e) => languageOf(e.phones[0]?.language ?? null),
  },
  { field: 'startsAt', source: 'DTSTART with its TZID', read: (e) => e.start?.toISOString() },
  {
    field: 'durationMinutes',
    source: 'DTEND (or DURATION) minus DTSTART',
    read: (e) =>
      e.start && e.end ? Math.round((e.end.getTime() - e.start.getTime()) / 60_000) : undefined,
  },
  { field: 'practitioner', source: "the ORGANIZER's CN", read: (e) => e.organizerCn ?? undefined },
  { field: 'location', source: 'LOCATION', read: (e) => e.location ?? undefined },
  { field: 'type', source: 'the first CATEGORIES value', read: (e) => e.categories[0] },
  {
    field: 'status',
    source: 'STATUS (see CALDAV_READ_STATUS)',
    read: (e) => CALDAV_READ_STATUS[e.status ?? ''] ?? 'scheduled',
  },
];

/** An event's STATUS as an upload's status; any other value (or none) is `scheduled`. */
export const CALDAV_READ_STATUS: Record<string, 'scheduled' | 'cancelled'> = {
  CANCELLED: 'cancelled',
  TENTATIVE: 'scheduled',
  CONFIRMED: 'scheduled',
};

/**
 * What each appointment status writes to the event: its STATUS and the patient attendee's
 * PARTSTAT (absent: left as the calendar has it). X-TURNOUT-STATUS always carries the status.
 */
export const CALDAV_WRITE_STATUS: Record<
  AppointmentStatus,
  { status?: 'CONFIRMED' | 'CANCELLED'; partstat?: 'ACCEPTED' | 'DECLINED' }
> = {
  scheduled: {},
  confirmed: { status: 'CONFIRMED', partstat: 'ACCEPTED' },
  reschedule_requested: {},
  cancelled: { status: 'CANCELLED', partstat: 'DECLINED' },
  arrived: {},
  completed: {},
  no_show: {},
};

/** Why an event is not an appointment Turnout can map, or null when it is one. */
export function unmappedReason(e: IcsEvent): string | null {
  if (!e.uid) return 'no UID';
  if (e.recurring)
    return 'recurring event (RRULE/RDATE): not expanded, add each visit as its own event';
  if (e.phones.length === 0) return 'no attendee with a tel: address (the patient phone)';
  if (e.phones.length > 1) return `group event: ${e.phones.length} attendees with a tel: address`;
  if (e.timeProblem) return e.timeProblem;
  if (!e.start) return 'no DTSTART';
  return null;
}

export type CalDavMapped =
  { kind: 'mapped'; item: UploadItem } | { kind: 'unmapped'; unmapped: UnmappedEvent };

/** An event's iCalendar text to an upload item, by the table above, or why it cannot be. */
export function mapCalDavEvent(ics: string, ref: string, clinicZone: string): CalDavMapped {
  let e: IcsEvent;
  try {
    e = readIcsEvent(ics, clinicZone);
  } catch (error: unknown) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      kind: 'unmapped',
      unmapped: { ref, summary: null, reason: `unreadable iCalendar: ${why}` },
    };
  }
  const reason = unmappedReason(e);
  if (reason) return { kind: 'unmapped', unmapped: { ref, summary: e.summary, reason } };
  const item: Record<string, unknown> = { patient: {} };
  for (const row of CALDAV_FIELDS) {
    const value = row.read(e);
    if (value === undefined || value === null) continue;
    if (row.field.startsWith('patient.')) {
      (item.patient as Record<string, unknown>)[row.field.slice('patient.'.length)] = value;
    } else {
      item[row.field] = value;
    }
  }
  return { kind: 'mapped', item: item as unknown as UploadItem };
}

function languageOf(tag: string | null): 'en' | 'es' | undefined {
  const base = tag?.toLowerCase().split('-')[0];
  return base === 'en' || base === 'es' ? base : undefined;
}

const telPhone = (uri: string): string | null =>
  /^tel:/i.test(uri) ? uri.slice(4).replace(/[^\d+]/g, '') || null : null;

function firstEvent(ics: string): ICAL.Component {
  const calendar = new (ical().Component)(ical().parse(ics));
  const event = calendar.getFirstSubcomponent('vevent');
  if (!event) throw new Error('no VEVENT');
  return event;
}

/** Reads one VEVENT's parts; times placed by their TZID (an IANA zone, or its VTIMEZONE). */
export function readIcsEvent(ics: string, clinicZone: string): IcsEvent {
  const event = firstEvent(ics);
  const calendar = event.parent;
  const text = (name: string): string | null => {
    const v = event.getFirstPropertyValue(name);
    return typeof v === 'string' && v.trim() ? v.trim() : null;
  };
  let timeProblem: string | null = null;
  const instant = (name: 'dtstart' | 'dtend'): Date | null => {
    const prop = event.getFirstProperty(name);
    if (!prop) return null;
    const placed = placeTime(prop, calendar, clinicZone);
    if (typeof placed === 'string') {
      timeProblem ??= placed;
      return null;
    }
    return placed;
  };
  const start = instant('dtstart');
  let end = instant('dtend');
  const duration = event.getFirstPropertyValue('duration');
  if (!end && start && duration instanceof ical().Duration) {
    end = new Date(start.getTime() + duration.toSeconds() * 1000);
  }
  const phones = event.getAllProperties('attendee').flatMap((a) => {
    const phone = telPhone(String(a.getFirstValue()));
    if (!phone) return [];
    const cn = a.getParameter('cn');
    const language = a.getParameter('language');
    return [
      {
        phone,
        cn: typeof cn === 'string' ? cn : null,
        language: typeof language === 'string' ? language : null,
      },
    ];
  });
  const organizer = event.getFirstProperty('organizer');
  const organizerCn = organizer?.getParameter('cn');
  const categories = event
    .getAllProperties('categories')
    .flatMap((p) => p.getValues().map(String))
    .map((v) => v.trim())
    .filter(Boolean);
  return {
    uid: text('uid'),
    summary: text('summary'),
    start,
    end,
    timeProblem,
    phones,
    organizerCn: typeof organizerCn === 'string' && organizerCn.trim() ? organizerCn.trim() : null,
    location: text('location'),
    categories,
    status: text('status')?.toUpperCase() ?? null,
    recurring: Boolean(event.getFirstProperty('rrule') || event.getFirstProperty('rdate')),
  };
}

/** A DTSTART/DTEND as an instant: UTC, TZID (IANA or the calendar's VTIMEZONE), or floating. */
function placeTime(
  prop: ICAL.Property,
  calendar: ICAL.Component,
  clinicZone: string,
): Date | string {
  const t = prop.getFirstValue() as ICAL.Time;
  const tzid = prop.getParameter('tzid');
  const wall = {
    year: t.year,
    month: t.month,
    day: t.day,
    hour: t.isDate ? 0 : t.hour,
    minute: t.isDate ? 0 : t.minute,
    second: t.isDate ? 0 : t.second,
    millisecond: 0,
  };
  if (t.isDate) return 'all-day event (no time of day)';
  if (
    t.zone?.tzid === 'UTC' ||
    (typeof tzid !== 'string' && String(prop.toICALString()).endsWith('Z'))
  ) {
    return new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second));
  }
  if (typeof tzid !== 'string') return wallTimeToInstantCompatible(wall, clinicZone);
  if (isValidTimeZone(tzid)) return wallTimeToInstantCompatible(wall, tzid);
  const vtimezone = calendar
    .getAllSubcomponents('vtimezone')
    .find((z) => z.getFirstPropertyValue('tzid') === tzid);
  if (!vtimezone) return `unknown TZID ${tzid} (no VTIMEZONE for it)`;
  const zoned = t.clone();
  zoned.zone = new (ical().Timezone)(vtimezone);
  return new Date(zoned.toUnixTime() * 1000);
}

/**
 * The event edited to say what the change says: STATUS, the patient's PARTSTAT and
 * X-TURNOUT-STATUS by CALDAV_WRITE_STATUS, and (for a move) DTSTART/DTEND in the event's own
 * TZID. A status the calendar itself set to CANCELLED is never overwritten: it is newer news,
 * which the next read imports. Returns null when the event already says it all.
 */
export function applyChange(
  ics: string,
  change: { status: AppointmentStatus; startsAt: Date; endsAt: Date; moved: boolean },
  clinicZone: string,
): string | null {
  const calendar = new (ical().Component)(ical().parse(ics));
  const event = calendar.getFirstSubcomponent('vevent');
  if (!event) throw new Error('no VEVENT');
  const before = calendar.toString();
  const calendarCancelled =
    String(event.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
  const target = CALDAV_WRITE_STATUS[change.status];
  if (!(calendarCancelled && change.status !== 'cancelled')) {
    if (target.status) event.updatePropertyWithValue('status', target.status);
    if (target.partstat) {
      for (const a of event.getAllProperties('attendee')) {
        if (telPhone(String(a.getFirstValue()))) a.setParameter('partstat', target.partstat);
      }
    }
    event.updatePropertyWithValue('x-turnout-status', change.status);
  }
  if (change.moved && !calendarCancelled) {
    setTime(event, 'dtstart', change.startsAt, clinicZone);
    if (event.getFirstProperty('duration')) event.removeAllProperties('duration');
    setTime(event, 'dtend', change.endsAt, clinicZone);
  }
  const after = calendar.toString();
  return after === before ? null : after;
}

function setTime(event: ICAL.Component, name: 'dtstart' | 'dtend', at: Date, clinicZone: string) {
  const existing = event.getFirstProperty(name);
  const tzidParam = existing?.getParameter('tzid');
  const zone = typeof tzidParam === 'string' && isValidTimeZone(tzidParam) ? tzidParam : null;
  if (zone) {
    existing!.setValue(wallIcalTime(at, zone));
    return;
  }
  const prop = existing ?? event.addPropertyWithValue(name, wallIcalTime(at, clinicZone));
  prop.removeParameter('tzid');
  prop.setValue(ical().Time.fromJSDate(at, true));
}

function wallIcalTime(at: Date, zone: string): ICAL.Time {
  const w = wallTimeOf(at, zone);
  return ical().Time.fromData({
    year: w.year,
    month: w.month,
    day: w.day,
    hour: w.hour,
    minute: w.minute,
    second: w.second,
  });
}

/** A new event for an appointment Turnout booked: UID its externalId, times in the clinic's zone. */
export function newEvent(
  a: {
    externalId: string;
    status: AppointmentStatus;
    startsAt: Date;
    endsAt: Date;
    patient: { name: string | null; phone: string };
    practitioner: string | null;
    location: string | null;
    type: string | null;
  },
  clinicZone: string,
  now: Date,
): string {
  const calendar = new (ical().Component)(['vcalendar', [], []]);
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('prodid', '-//Turnout//Calendar store//EN');
  const event = new (ical().Component)('vevent');
  event.addPropertyWithValue('uid', a.externalId);
  event.addPropertyWithValue('dtstamp', ical().Time.fromJSDate(now, true));
  for (const [name, at] of [
    ['dtstart', a.startsAt],
    ['dtend', a.endsAt],
  ] as const) {
    event.addPropertyWithValue(name, wallIcalTime(at, clinicZone)).setParameter('tzid', clinicZone);
  }
  event.addPropertyWithValue('summary', a.patient.name ?? a.type ?? 'Appointment');
  const attendee = event.addPropertyWithValue('attendee', `tel:${a.patient.phone}`);
  if (a.patient.name) attendee.setParameter('cn', a.patient.name);
  attendee.setParameter('partstat', CALDAV_WRITE_STATUS[a.status].partstat ?? 'NEEDS-ACTION');
  if (a.practitioner) {
    event
      .addPropertyWithValue('organizer', 'urn:turnout:practitioner')
      .setParameter('cn', a.practitioner);
  }
  if (a.location) event.addPropertyWithValue('location', a.location);
  if (a.type) event.addPropertyWithValue('categories', a.type);
  const status = CALDAV_WRITE_STATUS[a.status].status;
  if (status) event.addPropertyWithValue('status', status);
  event.addPropertyWithValue('x-turnout-status', a.status);
  calendar.addSubcomponent(event);
  return calendar.toString();
}
