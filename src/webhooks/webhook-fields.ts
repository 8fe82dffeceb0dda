import type { ParsedWebhook } from '../messaging/providers/sms-provider.port';

/** Longer than any provider's message id (Twilio 34, Telnyx a UUID, Flowroute about 60). */
const MAX_ID_LENGTH = 200;
/** A concatenated SMS is at most 10 parts of 160 characters at Twilio; Telnyx allows more. */
const MAX_BODY_LENGTH = 10_000;
const MAX_STATUS_LENGTH = 100;
const MAX_MEDIA_URL_LENGTH = 2000;
/** `+E.164` or, for some senders, a short code or alphanumeric id; never more than this. */
const PHONE = /^\+?[0-9A-Za-z]{1,32}$/;

/**
 * What is wrong with the fields a provider's webhook carries, in words; empty when nothing is.
 * A valid signature proves who sent the payload, not that it fits our columns and indexes.
 */
export function webhookFieldProblems(parsed: ParsedWebhook): string[] {
  const problems: string[] = [];
  const id = (v: string) => {
    if (v.length > MAX_ID_LENGTH) problems.push(`message id is longer than ${MAX_ID_LENGTH}`);
  };
  const phone = (field: string, v: string | undefined) => {
    if (v !== undefined && !PHONE.test(v)) problems.push(`${field} is not a phone number`);
  };
  if (parsed.kind === 'inbound') {
    const { providerMessageId, from, to, body, media } = parsed.message;
    id(providerMessageId);
    phone('from', from);
    phone('to', to);
    if (body.length > MAX_BODY_LENGTH) {
      problems.push(`message body is longer than ${MAX_BODY_LENGTH} characters`);
    }
    for (const m of media ?? []) {
      if (m.url.length > MAX_MEDIA_URL_LENGTH || (m.contentType?.length ?? 0) > MAX_ID_LENGTH) {
        problems.push('a media URL or content type is too long');
        break;
      }
    }
  } else if (parsed.kind === 'status') {
    const { providerMessageId, rawStatus, errorCode, from } = parsed.update;
    id(providerMessageId);
    phone('from', from);
    if (rawStatus.length > MAX_STATUS_LENGTH) problems.push('status is too long');
    if (errorCode !== undefined && errorCode.length > MAX_STATUS_LENGTH) {
      problems.push('error code is too long');
    }
  }
  return problems;
}
