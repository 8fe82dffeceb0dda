import { Injectable } from '@nestjs/common';
import type { CalendarStoreType } from '../../clinics/calendar-store-settings';
import type { CalendarStoreAdapter } from './calendar-store.port';
import { CalDavStore } from './caldav.store';
import { FhirStore } from './fhir.store';

/** The adapter of each store type Turnout reads and writes (the webhook is the outbox's own). */
@Injectable()
export class CalendarStores {
  constructor(
    private readonly caldav: CalDavStore,
    private readonly fhir: FhirStore,
  ) {}

  of(type: CalendarStoreType): CalendarStoreAdapter | null {
    if (type === 'caldav') return this.caldav;
    if (type === 'fhir') return this.fhir;
    return null;
  }
}
