import type { SealedCredentials } from '../common/crypto/credentials-vault';

export const CALENDAR_STORE_TYPES = ['webhook', 'caldav', 'fhir'] as const;
export type CalendarStoreType = (typeof CALENDAR_STORE_TYPES)[number];

/** The due-work kind (and signal) of reading clinics' calendar stores. */
export const CALENDAR_SYNC_WORK = 'calendar-sync';
export const DEFAULT_SYNC_SECONDS = 60;

export interface CalDavStoreSettings {
  type: 'caldav';
  /** the calendar collection's URL */
  url: string;
  username: string | null;
  syncSeconds: number;
}

export type FhirAuthSettings =
  { type: 'bearer' } | { type: 'smart-backend'; clientId: string; tokenUrl: string; scope: string };

export interface FhirStoreSettings {
  type: 'fhir';
  baseUrl: string;
  auth: FhirAuthSettings;
  syncSeconds: number;
}

/** A store Turnout reads and writes; none (null) is the webhook of calendarWebhookUrl. */
export type CalendarStoreSettings = CalDavStoreSettings | FhirStoreSettings;

/** A store's credentials, only ever kept sealed (CredentialsVault) and never returned. */
export interface CalendarStoreSecret {
  password?: string;
  token?: string;
  privateKeyJwk?: { [key: string]: string | string[] | boolean | undefined };
}
export type StoredCalendarStoreSecret = CalendarStoreSecret | SealedCredentials;
