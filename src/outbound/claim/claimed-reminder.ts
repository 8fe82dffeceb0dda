import type { AppointmentStatus } from '../../appointments/appointment.machine';
import { CredentialsKeyError, type CredentialsVault } from '../../common/crypto/credentials-vault';
import type { QuietHours } from '../../common/time/quiet-hours';
import type {
  ProviderCredentials,
  ProviderType,
} from '../../messaging/providers/sms-provider.port';

/** The sending side of a clinic, as read at claim time. */
export interface ClaimedClinic {
  id: string;
  name: string;
  timezone: string;
  quietHours: QuietHours | null;
  providerType: ProviderType;
  credentials: ProviderCredentials;
  senderNumber: string;
  sendRatePerSecond: number;
  /** opened (see openPathSecret): it goes in Flowroute's dlr_callback URL */
  flowroutePathSecret: string | null;
  /** routine texts to one patient on one of the clinic's days; null: no cap */
  maxRoutineTextsPerDay: number | null;
}

/**
 * Flowroute's path secret as the claim read it (sealed at rest), opened. Null without one, or
 * when its master key is not given: the send then fails on the credentials, sealed with it.
 */
export function openPathSecret(vault: CredentialsVault, stored: unknown): string | null {
  if (stored === null || stored === undefined) return null;
  try {
    return vault.open(stored as { flowroutePathSecret: string }).flowroutePathSecret;
  } catch (error: unknown) {
    if (error instanceof CredentialsKeyError) return null;
    throw error;
  }
}

/** A reminder this instance holds the lease on, with everything needed to re-check and send. */
export interface ClaimedReminder {
  id: string;
  dueAt: Date;
  /** when it is to be sent: its due time, or later after a retry, deferral or quiet hours */
  runAt: Date;
  plannedFor: Date;
  /** provider calls already made for it */
  attempts: number;
  /** admitted under the daily cap before and sent back unsent (the sender held back) */
  capAdmitted: boolean;
  appointmentId: string;
  appointmentStatus: AppointmentStatus;
  startsAt: Date;
  patientId: string;
  patientPhone: string;
  patientLanguage: string;
  patientTimezone: string | null;
  /** the clinic requires documented consent and this patient has no opt-in on record */
  lacksConsentEvidence: boolean;
  patientOptedOut: boolean;
  /** its offset is one the clinic skips once the patient confirmed */
  skipWhenConfirmed: boolean;
  /** the reminder text per language of the appointment's experiment variant, if it sets one */
  variantTemplates?: Partial<Record<string, string>> | null;
  clinic: ClaimedClinic;
}
