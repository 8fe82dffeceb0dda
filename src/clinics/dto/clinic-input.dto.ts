import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  HasUniqueItems,
  IsHttpsOrLoopbackUrl,
  IsClockTime,
  IsOmittable,
  IsIsoDuration,
  IsOfficeHours,
  IsPhoneCountry,
  IsTimeZone,
} from '../../common/validation/validators';
import type { OfficeHours } from '../../common/time/office-hours';
import { PROVIDER_TYPES, ProviderType } from '../../messaging/providers/sms-provider.port';
import { CALENDAR_STORE_TYPES, CalendarStoreType } from '../calendar-store-settings';

const onlyFor = (type: ProviderType) => (o: ProviderDto) => o.type === type;

/** One shape for every provider; which fields are required depends on `type`. */
export class ProviderDto {
  @ApiProperty({ enum: PROVIDER_TYPES })
  @IsIn(PROVIDER_TYPES)
  type: ProviderType;

  @ApiPropertyOptional({ description: 'twilio' })
  @ValidateIf(onlyFor('twilio'))
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  accountSid?: string;

  @ApiPropertyOptional({ description: 'twilio; never returned' })
  @ValidateIf(onlyFor('twilio'))
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  authToken?: string;

  @ApiPropertyOptional({ description: 'flowroute' })
  @ValidateIf(onlyFor('flowroute'))
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  accessKey?: string;

  @ApiPropertyOptional({ description: 'flowroute; never returned' })
  @ValidateIf(onlyFor('flowroute'))
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  secretKey?: string;

  @ApiPropertyOptional({ description: 'telnyx; never returned' })
  @ValidateIf(onlyFor('telnyx'))
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  apiKey?: string;

  @ApiPropertyOptional({ description: 'telnyx: base64 Ed25519 public key for webhook signatures' })
  @ValidateIf(onlyFor('telnyx'))
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  publicKey?: string;
}

const FHIR_AUTH_TYPES = ['bearer', 'smart-backend'] as const;
const authFor = (type: (typeof FHIR_AUTH_TYPES)[number]) => (o: FhirAuthDto) => o.type === type;

export class FhirAuthDto {
  @ApiProperty({ enum: FHIR_AUTH_TYPES })
  @IsIn(FHIR_AUTH_TYPES)
  type: (typeof FHIR_AUTH_TYPES)[number];

  @ApiPropertyOptional({ description: 'bearer; never returned' })
  @ValidateIf(authFor('bearer'))
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  token?: string;

  @ApiPropertyOptional({ description: 'smart-backend' })
  @ValidateIf(authFor('smart-backend'))
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  clientId?: string;

  @ApiPropertyOptional({ description: 'smart-backend: the token endpoint' })
  @ValidateIf(authFor('smart-backend'))
  @IsHttpsOrLoopbackUrl()
  tokenUrl?: string;

  @ApiPropertyOptional({
    description: 'smart-backend: private JWK (RSA for RS384, EC P-384 for ES384); never returned',
    type: 'object',
    additionalProperties: true,
  })
  @ValidateIf(authFor('smart-backend'))
  @IsObject()
  privateKeyJwk?: { [key: string]: string | string[] | boolean | undefined };

  @ApiPropertyOptional({
    example: 'system/Appointment.rs system/Appointment.u system/Patient.r',
  })
  @ValidateIf(authFor('smart-backend'))
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  scope?: string;
}

const storeIs = (type: CalendarStoreType) => (o: CalendarStoreDto) => o.type === type;

/** Where the clinic's calendar lives; which fields are required depends on `type`. */
export class CalendarStoreDto {
  @ApiProperty({ enum: CALENDAR_STORE_TYPES })
  @IsIn(CALENDAR_STORE_TYPES)
  type: CalendarStoreType;

  @ApiPropertyOptional({
    description: 'caldav: the calendar collection URL (https unless loopback)',
  })
  @ValidateIf(storeIs('caldav'))
  @IsHttpsOrLoopbackUrl()
  url?: string;

  @ApiPropertyOptional({ description: 'caldav' })
  @ValidateIf(storeIs('caldav'))
  @IsOptional()
  @IsString()
  @MaxLength(200)
  username?: string;

  @ApiPropertyOptional({ description: 'caldav; never returned' })
  @ValidateIf(storeIs('caldav'))
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  password?: string;

  @ApiPropertyOptional({ description: 'fhir: the R4 base URL (https unless loopback)' })
  @ValidateIf(storeIs('fhir'))
  @IsHttpsOrLoopbackUrl()
  baseUrl?: string;

  @ApiPropertyOptional({ type: FhirAuthDto, description: 'fhir' })
  @ValidateIf(storeIs('fhir'))
  @IsObject()
  @ValidateNested()
  @Type(() => FhirAuthDto)
  auth?: FhirAuthDto;

  @ApiPropertyOptional({ default: 60, minimum: 10, maximum: 86400 })
  @IsOmittable()
  @IsInt()
  @Min(10)
  @Max(86400)
  syncSeconds?: number;
}

export class QuietHoursDto {
  @ApiProperty({ example: '20:00' })
  @IsClockTime()
  start: string;

  @ApiProperty({ example: '08:00' })
  @IsClockTime()
  end: string;
}

export class BackfillDto {
  @ApiPropertyOptional({ example: true, default: false })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: 120, default: 120, description: 'no offer closer than this' })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(10080)
  minNoticeMinutes?: number;

  @ApiPropertyOptional({ example: 14, default: 14, description: 'no offer further ahead' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(365)
  horizonDays?: number;

  @ApiPropertyOptional({ example: 5, default: 5, description: 'patients offered per wave' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(100)
  waveSize?: number;

  @ApiPropertyOptional({ example: 10, default: 10, description: 'minutes between waves' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(1440)
  waveMinutes?: number;
}

export class SurveySettingDto {
  @ApiProperty({ example: true })
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({ example: 60, description: 'minutes after the visit ends, at most a day' })
  @IsInt()
  @Min(0)
  @Max(1440)
  afterMinutes: number;
}

export class MissedVisitFollowUpDto {
  @ApiProperty({ example: true })
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({
    example: 60,
    description: 'minutes after the visit is marked a no-show, at most a day',
  })
  @IsInt()
  @Min(0)
  @Max(1440)
  afterMinutes: number;
}

export class ExtraReminderDto {
  @ApiProperty({ example: 0.3, description: 'risk score (0-1) at or above which it is added' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  aboveRisk: number;

  @ApiProperty({ example: 'P5D', description: 'ISO 8601 duration before the start' })
  @IsIsoDuration()
  offset: string;
}

/** Settings a clinic may change; shared by create (operator) and PATCH /v1/clinic. */
export class ClinicSettingsDto {
  @ApiPropertyOptional({ example: 'US', default: 'US' })
  @IsOmittable()
  @IsPhoneCountry()
  defaultCountry?: string;

  @ApiPropertyOptional({ example: '+13125550199', nullable: true })
  @IsOptional() // null clears it
  @IsString()
  @MaxLength(40)
  contactPhone?: string | null;

  @ApiPropertyOptional({ example: ['P2D', 'PT2H'], type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(10)
  @HasUniqueItems()
  @IsIsoDuration({ each: true })
  reminderOffsets?: string[];

  @ApiPropertyOptional({ type: QuietHoursDto, nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;

  @ApiPropertyOptional({
    description:
      'When staff answer texts, on the clinic clock: days mon..sun, each ["HH:mm", "HH:mm"] or null (closed); days left out are closed. null: answers promise no time.',
    example: { mon: ['08:00', '17:00'], tue: ['08:00', '17:00'], sat: null, sun: null },
    type: 'object',
    additionalProperties: {
      type: 'array',
      items: { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' },
      minItems: 2,
      maxItems: 2,
      nullable: true,
    },
    nullable: true,
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsOfficeHours()
  officeHours?: OfficeHours | null;

  @ApiPropertyOptional({ example: 30, default: 30 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(10080)
  noShowGraceMinutes?: number;

  @ApiPropertyOptional({
    example: 2190,
    default: 2190,
    description: 'how long audit entries are kept, in days (default six years)',
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(36500)
  auditRetentionDays?: number;

  @ApiPropertyOptional({ example: 1, default: 1 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(1000)
  sendRatePerSecond?: number;

  @ApiPropertyOptional({ enum: ['provider', 'turnout'] })
  @IsOmittable()
  @IsIn(['provider', 'turnout'])
  keywordReplies?: 'provider' | 'turnout';

  @ApiPropertyOptional({ example: 'https://pms.example/turnout-events', nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  calendarWebhookUrl?: string | null;

  @ApiPropertyOptional({ type: CalendarStoreDto, description: 'replaces the store as a whole' })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => CalendarStoreDto)
  calendarStore?: CalendarStoreDto;
  @ApiPropertyOptional({
    example: ['PT2H'],
    type: [String],
    description: 'offsets of reminderOffsets not sent once the patient has confirmed',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(10)
  @HasUniqueItems()
  @IsIsoDuration({ each: true })
  skipWhenConfirmed?: string[];

  @ApiPropertyOptional({ type: BackfillDto, description: 'fields left out keep their value' })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => BackfillDto)
  backfill?: BackfillDto;

  @ApiPropertyOptional({
    default: false,
    description:
      'when true, reminders and surveys go only to patients with an opt-in on record (an ' +
      "upload's patient.consent, or START); the others are skipped (no_consent_evidence)",
  })
  @IsOmittable()
  @IsBoolean()
  requireConsentEvidence?: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 100,
    default: 3,
    nullable: true,
    description:
      'routine texts (reminders, waitlist offers, surveys) to one patient on one local day of ' +
      'the clinic; one over waits for the next day when still useful, else is skipped ' +
      '(patient_daily_cap). Answers, staff texts and broadcasts are never capped. null: no cap',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(100)
  maxRoutineTextsPerPatientPerDay?: number | null;

  @ApiPropertyOptional({
    type: SurveySettingDto,
    description: 'one 1-5 question by text after an attended visit; off by default',
  })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => SurveySettingDto)
  survey?: SurveySettingDto;

  @ApiPropertyOptional({
    type: MissedVisitFollowUpDto,
    description:
      'one text after a no-show ("Reply R to pick a new time"); the pick books a new ' +
      'appointment (rebookOf); off by default',
  })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => MissedVisitFollowUpDto)
  missedVisitFollowUp?: MissedVisitFollowUpDto;

  @ApiPropertyOptional({
    type: ExtraReminderDto,
    nullable: true,
    description: 'one more reminder for appointments scored at or above aboveRisk; null: none',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => ExtraReminderDto)
  extraReminder?: ExtraReminderDto | null;
}

export class CreateClinicDto extends ClinicSettingsDto {
  @ApiProperty({ example: 'Lakeside Dental' })
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: '$property must not be blank' })
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'America/Chicago' })
  @IsTimeZone()
  timezone: string;

  @ApiProperty({ example: '+13125550100' })
  @IsString()
  @MaxLength(40)
  senderNumber: string;

  @ApiProperty({ type: ProviderDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ProviderDto)
  provider: ProviderDto;
}

export class UpdateClinicDto extends ClinicSettingsDto {
  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: '$property must not be blank' })
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(40)
  senderNumber?: string;

  @ApiPropertyOptional({ example: 'America/Chicago' })
  @IsOmittable()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ type: ProviderDto, description: 'replaces the credentials as a whole' })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => ProviderDto)
  provider?: ProviderDto;
}
