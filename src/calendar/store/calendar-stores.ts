import { Injectable } from '@nestjs/common';
import type { CalendarStoreAdapter, StoreSettings } from './calendar-store.port';
import { CalDavStore } from './caldav.store';
import { FhirStore } from './fhir.store';
import { WebhookStore } from './webhook.store';

/** The adapter of each store type: the clinic's store, or the webhook when it has none. */
@Injectable()
export class CalendarStores {
  private readonly byType: Record<StoreSettings['type'], CalendarStoreAdapter>;

  constructor(webhook: WebhookStore, caldav: CalDavStore, fhir: FhirStore) {
    this.byType = { webhook, caldav, fhir };
  }

  of(type: StoreSettings['type']): CalendarStoreAdapter {
    return this.byType[type];
  }
}
