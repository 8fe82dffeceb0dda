import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { SealedCredentials } from '../common/crypto/credentials-vault';
import type { CalendarStoreSettings, StoredCalendarStoreSecret } from './calendar-store-settings';
import type { OfficeHours } from '../common/time/office-hours';
import type { ProviderCredentials, ProviderType } from '../messaging/providers/sms-provider.port';

export type KeywordReplies = 'provider' | 'turnout';

/** Filling freed time from the waitlist (API.md, "Waitlist and filling freed time"). */
export interface BackfillSettings {
  enabled: boolean;
  minNoticeMinutes: number;
  horizonDays: number;
  waveSize: number;
  waveMinutes: number;
}

/** The webhook secret as stored: as given, or sealed when CREDENTIALS_KEY is set. */
export interface WebhookSecret {
  webhookSecret: string;
}
/** One more reminder, at `offset`, for appointments scored at or above `aboveRisk`. */
export interface ExtraReminder {
  aboveRisk: number;
  offset: string;
}

export type StoredWebhookSecret = WebhookSecret | SealedCredentials;

/** Flowroute's webhook path secret as stored, like the webhook secret. */
export interface FlowroutePathSecret {
  flowroutePathSecret: string;
}
export type StoredFlowroutePathSecret = FlowroutePathSecret | SealedCredentials;

@Entity('clinics')
export class ClinicEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text')
  timezone: string;

  @Column({ name: 'default_country', type: 'char', length: 2 })
  defaultCountry: string;

  @Column({ name: 'sender_number', type: 'text' })
  senderNumber: string;

  @Column({ name: 'contact_phone', type: 'text', nullable: true })
  contactPhone: string | null;

  @Column({ name: 'provider_type', type: 'text' })
  providerType: ProviderType;

  /** Never leaves the service: redacted in every response and log line. */
  @Column({ name: 'provider_credentials', type: 'jsonb' })
  providerCredentials: ProviderCredentials;

  @Column({ name: 'reminder_offsets', type: 'text', array: true })
  reminderOffsets: string[];

  @Column({ name: 'quiet_hours_start', type: 'text', nullable: true })
  quietHoursStart: string | null;

  @Column({ name: 'quiet_hours_end', type: 'text', nullable: true })
  quietHoursEnd: string | null;

  /** when staff answer, on the clinic's wall clock; null: no promise in the answers */
  @Column({ name: 'office_hours', type: 'jsonb', nullable: true })
  officeHours: OfficeHours | null;

  @Column({ name: 'no_show_grace_minutes', type: 'integer' })
  noShowGraceMinutes: number;

  @Column({ name: 'audit_retention_days', type: 'integer' })
  auditRetentionDays: number;

  @Column({ name: 'send_rate_per_second', type: 'integer' })
  sendRatePerSecond: number;

  @Column({ name: 'keyword_replies', type: 'text' })
  keywordReplies: KeywordReplies;

  @Column({ name: 'calendar_webhook_url', type: 'text', nullable: true })
  calendarWebhookUrl: string | null;

  /** Signs calendar write-back events; shown once at creation, sealed at rest (CredentialsVault). */
  @Column({ name: 'webhook_secret', type: 'jsonb' })
  webhookSecret: StoredWebhookSecret;

  /**
   * Never returned after creation; sealed at rest (CredentialsVault), opened only to build
   * Flowroute's per-message dlr_callback URL.
   */
  @Column({ name: 'flowroute_path_secret', type: 'jsonb', nullable: true })
  flowroutePathSecret: StoredFlowroutePathSecret | null;

  /** SHA-256 (hex) of the path secret: what routes and authenticates a Flowroute webhook. */
  @Column({ name: 'flowroute_path_secret_hash', type: 'text', nullable: true })
  flowroutePathSecretHash: string | null;

  /** null: off, with the defaults (DEFAULT_BACKFILL) */
  @Column({ type: 'jsonb', nullable: true })
  backfill: BackfillSettings | null;

  /** offsets of reminderOffsets not sent once the patient confirmed */
  @Column({ name: 'skip_when_confirmed', type: 'text', array: true })
  skipWhenConfirmed: string[];

  /** Where the calendar lives when Turnout reads and writes it; null: the webhook. */
  @Column({ name: 'calendar_store', type: 'jsonb', nullable: true })
  calendarStore: CalendarStoreSettings | null;

  /** The store's credentials: sealed at rest (CredentialsVault), never returned or logged. */
  @Column({ name: 'calendar_store_secret', type: 'jsonb', nullable: true })
  calendarStoreSecret: StoredCalendarStoreSecret | null;

  /** Routine texts only to patients with an opt-in on record (source `clinic` or START). */
  @Column({ name: 'require_consent_evidence', type: 'boolean' })
  requireConsentEvidence: boolean;

  /** Routine texts to one patient on one local day (the clinic's); null: no cap. */
  @Column({ name: 'max_routine_texts_per_patient_per_day', type: 'integer', nullable: true })
  maxRoutineTextsPerPatientPerDay: number | null;

  @Column({ name: 'survey_enabled', type: 'boolean' })
  surveyEnabled: boolean;

  @Column({ name: 'survey_after_minutes', type: 'integer' })
  surveyAfterMinutes: number;

  /** one text after a no-show, `missedVisitFollowUpAfterMinutes` after it was marked */
  @Column({ name: 'missed_visit_follow_up_enabled', type: 'boolean' })
  missedVisitFollowUpEnabled: boolean;

  @Column({ name: 'missed_visit_follow_up_after_minutes', type: 'integer' })
  missedVisitFollowUpAfterMinutes: number;

  @Column({ name: 'extra_reminder', type: 'jsonb', nullable: true })
  extraReminder: ExtraReminder | null;

  @Column({ type: 'integer' })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
