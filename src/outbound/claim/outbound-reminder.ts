import { countSegments } from '../../messaging/segments';
import {
  languageOf,
  renderReminder,
  TEMPLATES,
  type TemplateKind,
} from '../../messaging/templates';
import type { ClaimedClinic, ClaimedReminder } from './claimed-reminder';
import { KIND_POLICIES } from '../message-kinds';
import type { SendJob } from '../send/send-job';

/**
 * Where the provider should report delivery. Twilio and Telnyx take a per-message URL; Flowroute's
 * path carries the clinic's secret because Flowroute signs nothing; the fake provider has none.
 */
export function statusCallbackUrl(
  publicBaseUrl: string,
  clinic: Pick<ClaimedClinic, 'providerType' | 'flowroutePathSecret'>,
): string | undefined {
  switch (clinic.providerType) {
    case 'twilio':
      return `${publicBaseUrl}/webhooks/twilio/status`;
    case 'telnyx':
      return `${publicBaseUrl}/webhooks/telnyx`;
    case 'flowroute':
      return clinic.flowroutePathSecret
        ? `${publicBaseUrl}/webhooks/flowroute/${clinic.flowroutePathSecret}/dlr`
        : undefined;
    default:
      return undefined;
  }
}

/** An experiment variant's wording replaces the reminder text; the rest stays the default. */
function withVariant(text: string | undefined, language: ReturnType<typeof languageOf>) {
  if (!text) return TEMPLATES;
  const pack = TEMPLATES[language];
  return { ...TEMPLATES, [language]: { ...pack, messages: { ...pack.messages, reminder: text } } };
}

/**
 * Renders the text in the patient's language and zone (the clinic's when unknown). A reminder
 * that reaches the phone after the visit began is worse than none: the provider may drop it
 * once the appointment starts (Twilio ValidityPeriod; the adapter clamps to what it accepts).
 */
export function buildSendJob(
  reminder: ClaimedReminder,
  template: TemplateKind,
  now: Date,
  publicBaseUrl: string,
  messageId: string,
): SendJob {
  const language = languageOf(reminder.patientLanguage);
  const body = renderReminder(
    template,
    language,
    {
      clinicName: reminder.clinic.name,
      startsAt: reminder.startsAt,
      zone: reminder.patientTimezone ?? reminder.clinic.timezone,
    },
    withVariant(reminder.variantTemplates?.[language], language),
  );
  const { segments, encoding } = countSegments(body);
  return {
    messageId,
    kind: 'reminder',
    priority: KIND_POLICIES.reminder.priority,
    clinic: reminder.clinic,
    patientId: reminder.patientId,
    appointmentId: reminder.appointmentId,
    attempts: reminder.attempts,
    dueAt: reminder.dueAt,
    giveUpAt: reminder.startsAt,
    expires: false,
    reminderId: reminder.id,
    segments,
    encoding,
    sms: {
      to: reminder.patientPhone,
      from: reminder.clinic.senderNumber,
      body,
      statusCallbackUrl: statusCallbackUrl(publicBaseUrl, reminder.clinic),
      validitySeconds: Math.max(
        1,
        Math.floor((reminder.startsAt.getTime() - now.getTime()) / 1000),
      ),
    },
  };
}
