import { InvalidInputError } from '../common/errors/domain-errors';
import { normalizePhone } from '../common/phone/phone';
import type { ProviderCredentials, ProviderType } from '../messaging/providers/sms-provider.port';
import type {
  BackfillSettings,
  ClinicEntity,
  ExtraReminder,
  KeywordReplies,
} from './clinic.entity';
import type { ExtraReminderDto, ProviderDto } from './dto/clinic-input.dto';

const CREDENTIAL_FIELDS: Record<ProviderType, string[]> = {
  twilio: ['accountSid', 'authToken'],
  flowroute: ['accessKey', 'secretKey'],
  telnyx: ['apiKey', 'publicKey'],
  fake: [],
};
const ALL_CREDENTIAL_FIELDS = Object.values(CREDENTIAL_FIELDS).flat();

export const DEFAULT_REMINDER_OFFSETS = ['P2D', 'PT2H'];
export const DEFAULT_QUIET_HOURS = { start: '20:00', end: '08:00' };
/** Routine texts to one patient on one local day, when the clinic does not say. */
export const DEFAULT_MAX_ROUTINE_TEXTS_PER_DAY = 3;
export const DEFAULT_BACKFILL: BackfillSettings = {
  enabled: false,
  minNoticeMinutes: 120,
  horizonDays: 14,
  waveSize: 5,
  waveMinutes: 10,
};

/** `skipWhenConfirmed` must name offsets of `reminderOffsets`: a 400 naming it otherwise. */
export function skippedOffsets(skip: string[], offsets: string[]): string[] {
  const stray = skip.filter((o) => !offsets.includes(o));
  if (stray.length > 0) {
    throw new InvalidInputError([
      `skipWhenConfirmed must list offsets of reminderOffsets (not ${stray.join(', ')})`,
    ]);
  }
  return skip;
}

/** A change to the backfill settings: the fields given replace those of `base`. */
export function patchBackfill(
  base: BackfillSettings,
  patch: Partial<BackfillSettings>,
): BackfillSettings {
  const given = Object.entries(patch).filter(([, v]) => v !== undefined);
  return { ...base, ...(Object.fromEntries(given) as Partial<BackfillSettings>) };
}

/** The clinic's backfill settings, defaults filled in. */
export function backfillOf(clinic: Pick<ClinicEntity, 'backfill'>): BackfillSettings {
  return { ...DEFAULT_BACKFILL, ...(clinic.backfill ?? {}) };
}

/** Twilio and Telnyx answer STOP/START/HELP themselves by default; the others do not. */
export function defaultKeywordReplies(type: ProviderType): KeywordReplies {
  return type === 'twilio' || type === 'telnyx' ? 'provider' : 'turnout';
}

/** The credentials for the provider's type, refusing fields that belong to another type. */
export function credentialsFor(provider: ProviderDto): ProviderCredentials {
  const wanted = CREDENTIAL_FIELDS[provider.type];
  const input = provider as unknown as Record<string, unknown>;
  const stray = ALL_CREDENTIAL_FIELDS.filter((f) => !wanted.includes(f) && input[f] !== undefined);
  if (stray.length > 0) {
    throw new InvalidInputError(
      stray.map((f) => `provider.${f} is not used by provider type ${provider.type}`),
    );
  }
  if (provider.type === 'telnyx' && !isEd25519PublicKey(provider.publicKey ?? '')) {
    throw new InvalidInputError([
      'provider.publicKey must be the base64 Ed25519 public key from the Telnyx portal',
    ]);
  }
  return Object.fromEntries(wanted.map((f) => [f, input[f]])) as ProviderCredentials;
}

function isEd25519PublicKey(value: string): boolean {
  return /^[A-Za-z0-9+/]+=*$/.test(value) && Buffer.from(value, 'base64').length === 32;
}

/** A phone setting normalised to +E.164 with the clinic's country, or a 400 naming the field. */
export function settingPhone(field: string, value: string, country: string): string {
  const e164 = normalizePhone(value, country);
  if (!e164) throw new InvalidInputError([`${field} must be a valid phone number`]);
  return e164;
}

/** Only the two fields, whatever else the validated object carries. */
export function extraReminderOf(dto: ExtraReminderDto | null | undefined): ExtraReminder | null {
  return dto ? { aboveRisk: dto.aboveRisk, offset: dto.offset } : null;
}
