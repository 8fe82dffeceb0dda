import { Injectable } from '@nestjs/common';
import type {
  CalendarStoreSettings,
  StoredCalendarStoreSecret,
} from '../../clinics/calendar-store-settings';
import { Clock } from '../../common/clock/clock';
import { CredentialsVault } from '../../common/crypto/credentials-vault';
import type { StoreChange } from './calendar-store.port';
import { CalendarStoreRepository } from './calendar-store.repository';
import { CalendarStores } from './calendar-stores';
import { errorText } from './store-http';

export interface StoreDelivery {
  clinicId: string;
  timezone: string;
  store: CalendarStoreSettings;
  secret: StoredCalendarStoreSecret | null;
  /** the outbox event's exact body, as the webhook would have received it */
  body: string;
}

export interface StoreAnswer {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  retryAt?: Date;
}

/**
 * One write-back event written to the clinic's store instead of POSTed to a webhook: the same
 * outbox, order and retries; the adapter edits the event Turnout read (or makes a new one).
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
    const adapter = this.stores.of(d.store.type);
    if (!adapter) return { ok: false, statusCode: null, error: `no adapter for ${d.store.type}` };
    let result;
    try {
      const change = JSON.parse(d.body) as StoreChange;
      const link = await this.repository.link(d.clinicId, change.appointment.externalId);
      const secret = d.secret ? this.vault.open(d.secret) : {};
      result = await adapter.write(
        { clinicId: d.clinicId, timezone: d.timezone, settings: d.store, secret },
        change,
        link,
      );
      if (result.ok) {
        await this.repository.updateLink(d.clinicId, result.link, link?.item ?? itemOf(change));
        await this.repository.wrote(d.clinicId, this.clock.now(), result.conflicts);
        return { ok: true, statusCode: 200, error: null };
      }
    } catch (e: unknown) {
      result = { ok: false as const, statusCode: null, error: errorText(e), requests: 0 };
    }
    await this.repository.writeFailed(d.clinicId, this.clock.now(), result.error);
    return {
      ok: false,
      statusCode: result.statusCode,
      error: result.error,
      retryAt: result.retryAt,
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
