import { Injectable } from '@nestjs/common';
import type {
  CalendarStoreSettings,
  StoredCalendarStoreSecret,
} from '../../clinics/calendar-store-settings';
import type { StoredWebhookSecret, WebhookSecret } from '../../clinics/clinic.entity';
import { Clock } from '../../common/clock/clock';
import { CredentialsVault } from '../../common/crypto/credentials-vault';
import type { CalendarKept, StoreChange, StoreContext, StoreWrite } from './calendar-store.port';
import { CalendarStoreRepository } from './calendar-store.repository';
import { CalendarStores } from './calendar-stores';
import { errorText } from './store-http';

export interface StoreDelivery {
  clinicId: string;
  timezone: string;
  /** the clinic's store; null: the webhook of `url` */
  store: CalendarStoreSettings | null;
  secret: StoredCalendarStoreSecret | null;
  url: string | null;
  webhookSecret: StoredWebhookSecret;
  /** the outbox event's exact body, as the webhook receives it */
  body: string;
}

export interface StoreAnswer {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  retryAt?: Date;
  /** Turnout's move was not written: the calendar had moved the appointment meanwhile */
  calendarKept?: CalendarKept;
}

/**
 * One write-back event written to the clinic's store through its adapter (webhook, CalDAV,
 * FHIR): the same outbox, order and retries for all. A store that keeps links edits the event
 * Turnout read (or makes a new one) and records its new version.
 */
@Injectable()
export class CalendarStoreWriter {
  constructor(
    private readonly stores: CalendarStores,
    private readonly repository: CalendarStoreRepository,
    private readonly vault: CredentialsVault,
    private readonly clock: Clock,
  ) {}

  async write(d: StoreDelivery): Promise<StoreAnswer> {
    const adapter = this.stores.of(d.store?.type ?? 'webhook');
    let result: StoreWrite;
    try {
      const change = JSON.parse(d.body) as StoreChange;
      const link = adapter.linked
        ? await this.repository.link(d.clinicId, change.appointment.externalId)
        : null;
      result = await adapter.write(this.context(d), change, link, d.body);
      if (result.ok) {
        if (adapter.linked && result.link) {
          await this.repository.updateLink(d.clinicId, result.link, link?.item ?? itemOf(change));
          if (result.calendarKept) {
            // The calendar's time stands: read the store now, so the import applies it.
            await this.repository.conflicted(d.clinicId, this.clock.now());
          } else await this.repository.wrote(d.clinicId, this.clock.now(), result.conflicts);
        }
        return {
          ok: true,
          statusCode: result.statusCode ?? 200,
          error: null,
          calendarKept: result.calendarKept,
        };
      }
    } catch (e: unknown) {
      result = { ok: false as const, statusCode: null, error: errorText(e), requests: 0 };
    }
    if (adapter.linked) {
      await this.repository.writeFailed(d.clinicId, this.clock.now(), result.error);
    }
    return {
      ok: false,
      statusCode: result.statusCode,
      error: result.error,
      retryAt: result.retryAt,
    };
  }

  private context(d: StoreDelivery): StoreContext {
    if (!d.store) {
      const { webhookSecret } = this.vault.open<WebhookSecret>(d.webhookSecret);
      return {
        clinicId: d.clinicId,
        timezone: d.timezone,
        settings: { type: 'webhook', url: d.url },
        secret: { webhookSecret },
      };
    }
    return {
      clinicId: d.clinicId,
      timezone: d.timezone,
      settings: d.store,
      secret: d.secret ? this.vault.open(d.secret) : {},
    };
  }
}

/** What Turnout wrote, as an upload would say it: the item a later deletion cancels. */
function itemOf(change: StoreChange) {
  const a = change.appointment;
  return {
    externalId: a.externalId,
    patient: { phone: a.patient.phone, name: a.patient.name },
    startsAt: a.startsAt,
    durationMinutes: a.durationMinutes,
    practitioner: a.practitioner ?? undefined,
    location: a.location ?? undefined,
    type: a.type ?? undefined,
    status: a.status === 'cancelled' ? 'cancelled' : 'scheduled',
  };
}
