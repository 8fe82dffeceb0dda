import type { AppointmentView } from '../../appointments/dto/appointment-view.dto';
import type {
  CalendarStoreSecret,
  CalendarStoreSettings,
} from '../../clinics/calendar-store-settings';

/** The webhook "store": the clinic's calendarWebhookUrl, written to and never read. */
export interface WebhookStoreSettings {
  type: 'webhook';
  /** calendarWebhookUrl as it is now (null: the clinic removed it) */
  url: string | null;
}

export type StoreSettings = CalendarStoreSettings | WebhookStoreSettings;

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

/**
 * A move by Turnout met a newer version (412) in which the calendar itself had moved the
 * appointment since Turnout read it: the calendar's time is kept, not overwritten.
 */
export interface CalendarKept {
  /** the time Turnout wanted */
  wanted: { startsAt: string; endsAt: string };
  /** the time the calendar has now, which stands */
  calendar: { startsAt: string; endsAt: string };
}

export type StoreWrite =
  | {
      ok: true;
      /** the event's new version; null for a store that keeps no link (the webhook) */
      link: Omit<StoreLink, 'item'> | null;
      conflicts: number;
      requests: number;
      /** the store's answer, when it has one worth keeping (the webhook's 2xx) */
      statusCode?: number;
      /** set when Turnout's move was not written because the calendar moved it meanwhile */
      calendarKept?: CalendarKept;
    }
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
  settings: StoreSettings;
  /** the store's credentials, opened (the webhook's: its signing secret) */
  secret: CalendarStoreSecret & { webhookSecret?: string };
}

/** What Turnout holds of a store, asked by a read that reconciles (see `read`). */
export interface HeldRefs {
  /** refs (hrefs) of the linked appointments still to come and not cancelled */
  upcoming(): Promise<string[]>;
}

/**
 * A calendar store Turnout reads appointments from and writes every change back to: one class
 * per store type (webhook, caldav, fhir), chosen per clinic by CalendarStores.
 */
export interface CalendarStoreAdapter {
  readonly type: StoreSettings['type'];
  /**
   * Whether Turnout keeps a link per appointment (the event's URL and version) and a sync row
   * for this store; the webhook keeps neither (it is only written to).
   */
  readonly linked: boolean;
  /** What changed since `cursor`; `held` lets a store that cannot report deletions find them. */
  read(ctx: StoreContext, cursor: string | null, held?: HeldRefs): Promise<StoreRead>;
  /**
   * `link`: what Turnout last knew of the appointment there; null: a new event is made.
   * `body`: the outbox event's exact bytes (the webhook sends and signs them as they are).
   */
  write(
    ctx: StoreContext,
    change: StoreChange,
    link: StoreLink | null,
    body?: string,
  ): Promise<StoreWrite>;
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
