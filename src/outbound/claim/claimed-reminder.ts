import type { AppointmentStatus } from '../../appointments/appointment.machine';
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
  flowroutePathSecret: string | null;
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
  appointmentId: string;
  appointmentStatus: AppointmentStatus;
  startsAt: Date;
  patientId: string;
  patientPhone: string;
  patientLanguage: string;
  patientTimezone: string | null;
  patientOptedOut: boolean;
  clinic: ClaimedClinic;
}
