import { templateWarnings } from '../messaging/templates';
import { backfillOf } from './clinic-settings';
import type { ClinicEntity } from './clinic.entity';
import type {
  CalendarStoreSettingsView,
  ClinicView,
  ProviderView,
  TemplateWarningView,
} from './dto/clinic-view.dto';

function providerView(clinic: ClinicEntity): ProviderView {
  const creds = clinic.providerCredentials as Record<string, string>;
  const view: ProviderView = { type: clinic.providerType, secretsSet: [] };
  switch (clinic.providerType) {
    case 'twilio':
      view.accountSid = creds.accountSid;
      view.secretsSet = ['authToken'];
      break;
    case 'flowroute':
      view.accessKey = `…${String(creds.accessKey ?? '').slice(-4)}`;
      view.secretsSet = ['secretKey'];
      break;
    case 'telnyx':
      view.publicKey = creds.publicKey;
      view.secretsSet = ['apiKey'];
      break;
    default:
      break;
  }
  return view;
}

/** The store's settings; of its credentials only which ones are held. */
export function calendarStoreView(clinic: ClinicEntity): CalendarStoreSettingsView {
  const store = clinic.calendarStore;
  if (!store) return { type: 'webhook', secretsSet: [] };
  if (store.type === 'caldav') {
    return {
      type: 'caldav',
      url: store.url,
      username: store.username,
      syncSeconds: store.syncSeconds,
      secretsSet: clinic.calendarStoreSecret ? ['password'] : [],
    };
  }
  const auth = store.auth;
  return {
    type: 'fhir',
    baseUrl: store.baseUrl,
    auth:
      auth.type === 'bearer'
        ? { type: 'bearer' }
        : { type: auth.type, clientId: auth.clientId, tokenUrl: auth.tokenUrl, scope: auth.scope },
    syncSeconds: store.syncSeconds,
    secretsSet: [auth.type === 'bearer' ? 'token' : 'privateKeyJwk'],
  };
}

/** The webhook URLs a clinic configures at its provider. Flowroute's path secret is shown once. */
export function webhookUrls(
  clinic: Pick<ClinicEntity, 'providerType'>,
  publicBaseUrl: string,
  flowroutePathSecret?: string,
): Record<string, string> {
  const base = publicBaseUrl;
  switch (clinic.providerType) {
    case 'twilio':
      return {
        inbound: `${base}/webhooks/twilio/inbound`,
        status: `${base}/webhooks/twilio/status`,
      };
    case 'flowroute': {
      const secret = flowroutePathSecret ?? '{shown-once-at-creation}';
      return {
        inbound: `${base}/webhooks/flowroute/${secret}/inbound`,
        dlr: `${base}/webhooks/flowroute/${secret}/dlr`,
      };
    }
    case 'telnyx':
      return { messaging: `${base}/webhooks/telnyx` };
    default:
      return {
        simulatorInbound: `${base}/v1/simulator/inbound`,
        simulatorOutbox: `${base}/v1/simulator/outbox`,
      };
  }
}

/** Reminder texts this clinic's name pushes past one SMS segment: each part is billed. */
function warningsFor(clinic: ClinicEntity): TemplateWarningView[] {
  return templateWarnings(clinic.name).map(({ template, language, segments, message }) => ({
    template,
    language,
    segments,
    message,
  }));
}

/** Entity to response: secrets never cross this line. */
export function toClinicView(
  clinic: ClinicEntity,
  publicBaseUrl: string,
  flowroutePathSecret?: string,
): ClinicView {
  return {
    id: clinic.id,
    name: clinic.name,
    timezone: clinic.timezone,
    defaultCountry: clinic.defaultCountry,
    senderNumber: clinic.senderNumber,
    contactPhone: clinic.contactPhone,
    provider: providerView(clinic),
    reminderOffsets: clinic.reminderOffsets,
    quietHours:
      clinic.quietHoursStart && clinic.quietHoursEnd
        ? { start: clinic.quietHoursStart, end: clinic.quietHoursEnd }
        : null,
    officeHours: clinic.officeHours
      ? (clinic.officeHours as Partial<Record<string, [string, string] | null>>)
      : null,
    noShowGraceMinutes: clinic.noShowGraceMinutes,
    auditRetentionDays: clinic.auditRetentionDays,
    sendRatePerSecond: clinic.sendRatePerSecond,
    keywordReplies: clinic.keywordReplies,
    calendarWebhookUrl: clinic.calendarWebhookUrl,
    backfill: backfillOf(clinic),
    skipWhenConfirmed: clinic.skipWhenConfirmed,
    calendarStore: calendarStoreView(clinic),
    requireConsentEvidence: clinic.requireConsentEvidence,
    maxRoutineTextsPerPatientPerDay: clinic.maxRoutineTextsPerPatientPerDay,
    survey: { enabled: clinic.surveyEnabled, afterMinutes: clinic.surveyAfterMinutes },
    missedVisitFollowUp: {
      enabled: clinic.missedVisitFollowUpEnabled,
      afterMinutes: clinic.missedVisitFollowUpAfterMinutes,
    },
    extraReminder: clinic.extraReminder,
    webhooks: webhookUrls(clinic, publicBaseUrl, flowroutePathSecret),
    warnings: warningsFor(clinic),
    createdAt: clinic.createdAt.toISOString(),
    updatedAt: clinic.updatedAt.toISOString(),
  };
}
