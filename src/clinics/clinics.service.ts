import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Clock } from '../common/clock/clock';
import { CredentialsVault } from '../common/crypto/credentials-vault';
import { DueSignals } from '../common/due-work/due-signals';
import {
  CALENDAR_SYNC_WORK,
  CalendarStoreSecret,
  CalendarStoreSettings,
  DEFAULT_SYNC_SECONDS,
} from './calendar-store-settings';
import { Secrets, sha256Hex } from '../common/crypto/secrets';
import { NotFoundError } from '../common/errors/domain-errors';
import { ClinicSettingsChanged } from './clinic-settings-changed';
import { ClinicEntity } from './clinic.entity';
import {
  DEFAULT_BACKFILL,
  DEFAULT_QUIET_HOURS,
  DEFAULT_MAX_ROUTINE_TEXTS_PER_DAY,
  backfillOf,
  patchBackfill,
  skippedOffsets,
  DEFAULT_REMINDER_OFFSETS,
  credentialsFor,
  defaultKeywordReplies,
  extraReminderOf,
  settingPhone,
} from './clinic-settings';
import { toClinicView } from './clinic-view.mapper';
import { ClinicsRepository } from './clinics.repository';
import type { ProviderCredentials } from '../messaging/providers/sms-provider.port';
import type { CalendarStoreDto, CreateClinicDto, UpdateClinicDto } from './dto/clinic-input.dto';
import type { ClinicView, CreatedClinicView } from './dto/clinic-view.dto';

@Injectable()
export class ClinicsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clinics: ClinicsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly secrets: Secrets,
    private readonly settingsChanged: ClinicSettingsChanged,
    private readonly vault: CredentialsVault,
    private readonly clock: Clock,
    private readonly signals: DueSignals,
  ) {}

  async create(dto: CreateClinicDto): Promise<CreatedClinicView> {
    const country = dto.defaultCountry ?? 'US';
    const credentials = credentialsFor(dto.provider);
    const apiKey = this.secrets.token('tk_');
    const webhookSecret = this.secrets.token('whsec_');
    const flowrouteSecret =
      dto.provider.type === 'flowroute' ? this.secrets.token('frs_', 24) : undefined;
    const quiet = dto.quietHours === undefined ? DEFAULT_QUIET_HOURS : dto.quietHours;

    const clinic = await this.ds.transaction(async (manager) => {
      const saved = await manager.getRepository(ClinicEntity).save(
        manager.create(ClinicEntity, {
          name: dto.name.trim(),
          timezone: dto.timezone,
          defaultCountry: country,
          senderNumber: settingPhone('senderNumber', dto.senderNumber, country),
          contactPhone: dto.contactPhone
            ? settingPhone('contactPhone', dto.contactPhone, country)
            : null,
          providerType: dto.provider.type,
          providerCredentials: this.vault.seal(credentials) as ProviderCredentials,
          reminderOffsets: dto.reminderOffsets ?? DEFAULT_REMINDER_OFFSETS,
          quietHoursStart: quiet?.start ?? null,
          quietHoursEnd: quiet?.end ?? null,
          officeHours: dto.officeHours ?? null,
          noShowGraceMinutes: dto.noShowGraceMinutes ?? 30,
          auditRetentionDays: dto.auditRetentionDays ?? 2190,
          sendRatePerSecond: dto.sendRatePerSecond ?? 1,
          keywordReplies: dto.keywordReplies ?? defaultKeywordReplies(dto.provider.type),
          calendarWebhookUrl: dto.calendarWebhookUrl ?? null,
          backfill: dto.backfill ? patchBackfill(DEFAULT_BACKFILL, dto.backfill) : null,
          skipWhenConfirmed: skippedOffsets(
            dto.skipWhenConfirmed ?? [],
            dto.reminderOffsets ?? DEFAULT_REMINDER_OFFSETS,
          ),
          requireConsentEvidence: dto.requireConsentEvidence ?? false,
          maxRoutineTextsPerPatientPerDay:
            dto.maxRoutineTextsPerPatientPerDay === undefined
              ? DEFAULT_MAX_ROUTINE_TEXTS_PER_DAY
              : dto.maxRoutineTextsPerPatientPerDay,
          surveyEnabled: dto.survey?.enabled ?? false,
          surveyAfterMinutes: dto.survey?.afterMinutes ?? 60,
          missedVisitFollowUpEnabled: dto.missedVisitFollowUp?.enabled ?? false,
          missedVisitFollowUpAfterMinutes: dto.missedVisitFollowUp?.afterMinutes ?? 60,
          extraReminder: extraReminderOf(dto.extraReminder),
          webhookSecret: this.vault.seal({ webhookSecret }),
          flowroutePathSecret: flowrouteSecret
            ? this.vault.seal({ flowroutePathSecret: flowrouteSecret })
            : null,
          flowroutePathSecretHash: flowrouteSecret ? sha256Hex(flowrouteSecret) : null,
          version: 1,
        }),
      );
      await this.apiKeys.insert(manager, saved.id, sha256Hex(apiKey), apiKey.slice(0, 7));
      if (dto.calendarStore) {
        const store = calendarStoreOf(dto.calendarStore);
        await this.clinics.update(manager, saved.id, this.storeColumns(store));
        await this.storeChanged(manager, saved.id, store.settings);
        Object.assign(saved, this.storeColumns(store));
      }
      return saved;
    });
    return {
      ...toClinicView(this.opened(clinic), this.config.publicBaseUrl, flowrouteSecret),
      apiKey,
      webhookSecret,
    };
  }

  view(clinic: ClinicEntity): ClinicView {
    return toClinicView(this.opened(clinic), this.config.publicBaseUrl);
  }

  /** The view shows the provider's public identifiers (account SID, public key), sealed at rest. */
  private opened(clinic: ClinicEntity): ClinicEntity {
    return { ...clinic, providerCredentials: this.vault.open(clinic.providerCredentials) };
  }

  async update(clinicId: string, dto: UpdateClinicDto): Promise<ClinicView> {
    let newFlowrouteSecret: string | undefined;
    const updated = await this.ds.transaction(async (manager) => {
      const current = await this.clinics.lockById(manager, clinicId);
      if (!current) throw new NotFoundError('clinic');
      const country = dto.defaultCountry ?? current.defaultCountry;
      const changes: Partial<ClinicEntity> = {};
      if (dto.name !== undefined) changes.name = dto.name.trim();
      if (dto.timezone !== undefined) changes.timezone = dto.timezone;
      if (dto.defaultCountry !== undefined) changes.defaultCountry = dto.defaultCountry;
      if (dto.senderNumber !== undefined) {
        changes.senderNumber = settingPhone('senderNumber', dto.senderNumber, country);
      }
      if (dto.contactPhone !== undefined) {
        changes.contactPhone = dto.contactPhone
          ? settingPhone('contactPhone', dto.contactPhone, country)
          : null;
      }
      if (dto.provider !== undefined) {
        changes.providerType = dto.provider.type;
        changes.providerCredentials = this.vault.seal(
          credentialsFor(dto.provider),
        ) as ProviderCredentials;
        if (dto.keywordReplies === undefined && dto.provider.type !== current.providerType) {
          changes.keywordReplies = defaultKeywordReplies(dto.provider.type);
        }
        if (dto.provider.type === 'flowroute' && !current.flowroutePathSecretHash) {
          // Switching to Flowroute: its webhook path secret is made now and shown this once.
          newFlowrouteSecret = this.secrets.token('frs_', 24);
          changes.flowroutePathSecret = this.vault.seal({
            flowroutePathSecret: newFlowrouteSecret,
          });
          changes.flowroutePathSecretHash = sha256Hex(newFlowrouteSecret);
        }
      }
      if (dto.reminderOffsets !== undefined) changes.reminderOffsets = dto.reminderOffsets;
      if (dto.quietHours !== undefined) {
        changes.quietHoursStart = dto.quietHours?.start ?? null;
        changes.quietHoursEnd = dto.quietHours?.end ?? null;
      }
      if (dto.officeHours !== undefined) changes.officeHours = dto.officeHours;
      if (dto.noShowGraceMinutes !== undefined) changes.noShowGraceMinutes = dto.noShowGraceMinutes;
      if (dto.auditRetentionDays !== undefined) changes.auditRetentionDays = dto.auditRetentionDays;
      if (dto.sendRatePerSecond !== undefined) changes.sendRatePerSecond = dto.sendRatePerSecond;
      if (dto.keywordReplies !== undefined) changes.keywordReplies = dto.keywordReplies;
      if (dto.calendarWebhookUrl !== undefined) changes.calendarWebhookUrl = dto.calendarWebhookUrl;
      if (dto.skipWhenConfirmed !== undefined || dto.reminderOffsets !== undefined) {
        changes.skipWhenConfirmed = skippedOffsets(
          dto.skipWhenConfirmed ?? current.skipWhenConfirmed,
          dto.reminderOffsets ?? current.reminderOffsets,
        );
      }
      if (dto.backfill !== undefined)
        changes.backfill = patchBackfill(backfillOf(current), dto.backfill);
      if (dto.calendarStore !== undefined) {
        const store = calendarStoreOf(dto.calendarStore);
        Object.assign(changes, this.storeColumns(store));
        await this.storeChanged(manager, clinicId, store.settings);
      }
      if (dto.requireConsentEvidence !== undefined) {
        changes.requireConsentEvidence = dto.requireConsentEvidence;
      }
      if (dto.maxRoutineTextsPerPatientPerDay !== undefined) {
        changes.maxRoutineTextsPerPatientPerDay = dto.maxRoutineTextsPerPatientPerDay;
      }
      if (dto.survey !== undefined) {
        changes.surveyEnabled = dto.survey.enabled;
        changes.surveyAfterMinutes = dto.survey.afterMinutes;
      }
      if (dto.missedVisitFollowUp !== undefined) {
        changes.missedVisitFollowUpEnabled = dto.missedVisitFollowUp.enabled;
        changes.missedVisitFollowUpAfterMinutes = dto.missedVisitFollowUp.afterMinutes;
      }
      if (dto.extraReminder !== undefined) {
        changes.extraReminder = extraReminderOf(dto.extraReminder);
      }
      if (Object.keys(changes).length > 0) {
        await this.clinics.update(manager, clinicId, changes);
      }
      const next = (await this.clinics.findById(clinicId, manager)) as ClinicEntity;
      await this.settingsChanged.afterUpdate(manager, current, next);
      return next;
    });
    return toClinicView(this.opened(updated), this.config.publicBaseUrl, newFlowrouteSecret);
  }

  private storeColumns(store: ReturnType<typeof calendarStoreOf>): Partial<ClinicEntity> {
    return {
      calendarStore: store.settings,
      calendarStoreSecret: store.secret ? this.vault.seal(store.secret) : null,
    };
  }

  /** A new store is read from scratch, now, by whichever instance claims it first. */
  private async storeChanged(
    manager: EntityManager,
    clinicId: string,
    settings: CalendarStoreSettings | null,
  ): Promise<void> {
    await this.clinics.resetStoreSync(manager, clinicId, settings?.type ?? null, this.clock.now());
    if (settings) await this.signals.notify(manager, CALENDAR_SYNC_WORK);
  }
}

/** The settings (kept readable) and the credentials (kept sealed) of a validated store. */
function calendarStoreOf(dto: CalendarStoreDto): {
  settings: CalendarStoreSettings | null;
  secret: CalendarStoreSecret | null;
} {
  const syncSeconds = dto.syncSeconds ?? DEFAULT_SYNC_SECONDS;
  if (dto.type === 'caldav') {
    return {
      settings: { type: 'caldav', url: dto.url!, username: dto.username ?? null, syncSeconds },
      secret: dto.password ? { password: dto.password } : null,
    };
  }
  if (dto.type === 'fhir') {
    const auth = dto.auth!;
    return auth.type === 'bearer'
      ? {
          settings: { type: 'fhir', baseUrl: dto.baseUrl!, auth: { type: 'bearer' }, syncSeconds },
          secret: { token: auth.token! },
        }
      : {
          settings: {
            type: 'fhir',
            baseUrl: dto.baseUrl!,
            auth: {
              type: 'smart-backend',
              clientId: auth.clientId!,
              tokenUrl: auth.tokenUrl!,
              scope: auth.scope!,
            },
            syncSeconds,
          },
          secret: { privateKeyJwk: auth.privateKeyJwk! },
        };
  }
  return { settings: null, secret: null };
}
