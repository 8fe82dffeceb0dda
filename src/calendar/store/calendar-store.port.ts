import type { AppointmentView } from '../../appointments/dto/appointment-view.dto';
import type {
  CalendarStoreSecret,
  CalendarStoreSettings,
} from '../../clinics/calendar-store-settings';

/** One appointment as an upload carries it (POST /v1/appointments): the import's own input. */
export interface UploadItem {
  externalId: string;
  patient: { name?: string; phone: string; language?: 'en' | 'es' };
  startsAt: string;
  durationMinutes: number;
  practitioner?: string;
  location?: string;
  type?: string;
  status: 'scheduled' | 'cancelled';
}

/** What an appointment is in the store: where it lives and which version Turnout read. */
export interface StoreLink {
  externalId: string;
  /** the event's URL (CalDAV) or the resource's URL (FHIR) */
  href: string;
  /** the ETag (CalDAV) or versionId (FHIR) of what was read or last written */
  etag: string | null;
  /** what was read: the iCalendar text, or the resource's JSON */
  source: string | null;
  item: UploadItem;
}

export interface UnmappedEvent {
  ref: string;
  summary: string | null;
  reason: string;
}

export interface StoreRead {
  mapped: StoreLink[];
  unmapped: UnmappedEvent[];
  /** refs (hrefs) of events gone from the store since the last read */
  deleted: string[];
  /** where the next incremental read starts */
  cursor: string | null;
  requests: number;
}

/** A change to write: the write-back event as the webhook receives it. */
export interface StoreChange {
  id: string;
  type: string;
  occurredAt: string;
  appointment: Omit<AppointmentView, 'messages'>;
}

export type StoreWrite =
  | { ok: true; link: Omit<StoreLink, 'item'>; conflicts: number; requests: number }
  | {
      ok: false;
      statusCode: number | null;
      error: string;
      /** the store asked to be left alone until then (Retry-After) */
      retryAt?: Date;
      requests: number;
    };

export interface StoreContext {
  clinicId: string;
  timezone: string;
  settings: CalendarStoreSettings;
  secret: CalendarStoreSecret;
}

/** A calendar store Turnout reads appointments from and writes every change back to. */
export interface CalendarStoreAdapter {
  read(ctx: StoreContext, cursor: string | null): Promise<StoreRead>;
  /** `link`: what Turnout last knew of the appointment there; null: a new event is made. */
  write(ctx: StoreContext, change: StoreChange, link: StoreLink | null): Promise<StoreWrite>;
}

/** A store's answer that is not a success, with the detail it gave (OperationOutcome text). */
export class StoreError extends Error {
  constructor(
    readonly statusCode: number | null,
    message: string,
    readonly retryAt?: Date,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
