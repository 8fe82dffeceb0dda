import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ProviderView {
  @ApiProperty({ enum: ['twilio', 'flowroute', 'telnyx', 'fake'] })
  type: string;

  @ApiPropertyOptional({ description: 'twilio account identifier (not a secret)' })
  accountSid?: string;

  @ApiPropertyOptional({ description: 'flowroute access key, masked' })
  accessKey?: string;

  @ApiPropertyOptional({ description: 'telnyx public key (not a secret)' })
  publicKey?: string;

  @ApiProperty({ description: 'names of the secrets held; their values are never returned' })
  secretsSet: string[];
}

export class QuietHoursView {
  @ApiProperty() start: string;
  @ApiProperty() end: string;
}

export class BackfillView {
  @ApiProperty() enabled: boolean;
  @ApiProperty() minNoticeMinutes: number;
  @ApiProperty() horizonDays: number;
  @ApiProperty() waveSize: number;
  @ApiProperty() waveMinutes: number;
}

export class SurveySettingView {
  @ApiProperty() enabled: boolean;
  @ApiProperty() afterMinutes: number;
}

export class MissedVisitFollowUpView {
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'minutes after the visit is marked a no-show' }) afterMinutes: number;
}

export class TemplateWarningView {
  @ApiProperty() template: string;
  @ApiProperty() language: string;
  @ApiProperty() segments: number;
  @ApiProperty() message: string;
}

export class FhirAuthView {
  @ApiProperty({ enum: ['bearer', 'smart-backend'] }) type: string;
  @ApiPropertyOptional() clientId?: string;
  @ApiPropertyOptional() tokenUrl?: string;
  @ApiPropertyOptional() scope?: string;
}

export class CalendarStoreSettingsView {
  @ApiProperty({ enum: ['webhook', 'caldav', 'fhir'] }) type: string;
  @ApiPropertyOptional({ description: 'caldav' }) url?: string;
  @ApiPropertyOptional({ description: 'caldav', type: String, nullable: true })
  username?: string | null;
  @ApiPropertyOptional({ description: 'fhir' }) baseUrl?: string;
  @ApiPropertyOptional({ type: FhirAuthView, description: 'fhir' }) auth?: FhirAuthView;
  @ApiPropertyOptional() syncSeconds?: number;
  @ApiProperty({ description: 'names of the secrets held; their values are never returned' })
  secretsSet: string[];
}

export class ExtraReminderView {
  @ApiProperty() aboveRisk: number;
  @ApiProperty() offset: string;
}

export class ClinicView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() timezone: string;
  @ApiProperty() defaultCountry: string;
  @ApiProperty() senderNumber: string;
  @ApiProperty({ nullable: true, type: String }) contactPhone: string | null;
  @ApiProperty({ type: ProviderView }) provider: ProviderView;
  @ApiProperty({ type: [String] }) reminderOffsets: string[];
  @ApiProperty({ type: QuietHoursView, nullable: true }) quietHours: QuietHoursView | null;
  @ApiProperty({
    description: 'days mon..sun: ["HH:mm", "HH:mm"] or null (closed); null: not set',
    type: 'object',
    additionalProperties: {
      type: 'array',
      items: { type: 'string' },
      minItems: 2,
      maxItems: 2,
      nullable: true,
    },
    nullable: true,
  })
  officeHours: Partial<Record<string, [string, string] | null>> | null;
  @ApiProperty() noShowGraceMinutes: number;
  @ApiProperty({ description: 'days audit entries are kept' }) auditRetentionDays: number;
  @ApiProperty() sendRatePerSecond: number;
  @ApiProperty({ enum: ['provider', 'turnout'] }) keywordReplies: string;
  @ApiProperty({ nullable: true, type: String }) calendarWebhookUrl: string | null;
  @ApiProperty({ type: BackfillView }) backfill: BackfillView;
  @ApiProperty({ type: [String] }) skipWhenConfirmed: string[];
  @ApiProperty({ type: CalendarStoreSettingsView }) calendarStore: CalendarStoreSettingsView;
  @ApiProperty({ description: 'routine texts only to patients with an opt-in on record' })
  requireConsentEvidence: boolean;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'routine texts to one patient on one local day; null: no cap',
  })
  maxRoutineTextsPerPatientPerDay: number | null;
  @ApiProperty({ type: SurveySettingView }) survey: SurveySettingView;
  @ApiProperty({ type: MissedVisitFollowUpView })
  missedVisitFollowUp: MissedVisitFollowUpView;
  @ApiProperty({ type: ExtraReminderView, nullable: true }) extraReminder: ExtraReminderView | null;
  @ApiProperty({
    description: 'URLs to configure at the provider',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  webhooks: Record<string, string>;
  @ApiPropertyOptional({ type: [TemplateWarningView] }) warnings?: TemplateWarningView[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CreatedClinicView extends ClinicView {
  @ApiProperty({ description: 'shown once; only its hash is stored', example: 'tk_...' })
  apiKey: string;

  @ApiProperty({
    description: 'shown once; signs calendar write-back events',
    example: 'whsec_...',
  })
  webhookSecret: string;
}
