import { randomBytes, randomUUID } from 'node:crypto';
import { signedTwilio, telnyxKeys, twilioSid } from './webhooks';

/**
 * Well-formed provider webhooks, as each provider sends them, for tests that need a real one
 * to refuse, sign, break or replay.
 */
/** An MMS attachment as the tests send it: the provider's URL and content type. */
export interface WireMedia {
  url: string;
  contentType: string;
}

export interface WebhookCall {
  path: string;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

export function twilioInbound(
  authToken: string,
  to: string,
  from: string,
  text: string,
  sid = twilioSid(),
  media: WireMedia[] = [],
): WebhookCall {
  const path = '/webhooks/twilio/inbound';
  const params: Record<string, string> = {
    MessageSid: sid,
    SmsSid: sid,
    AccountSid: `AC${'0'.repeat(32)}`,
    From: from,
    To: to,
    Body: text,
    NumMedia: String(media.length),
  };
  media.forEach((m, n) => {
    params[`MediaUrl${n}`] = m.url;
    params[`MediaContentType${n}`] = m.contentType;
  });
  const { body, signature } = signedTwilio(authToken, path, params);
  return {
    path,
    contentType: 'application/x-www-form-urlencoded',
    body,
    headers: { 'X-Twilio-Signature': signature },
  };
}

export function twilioStatus(
  authToken: string,
  from: string,
  to: string,
  status: string,
  sid = twilioSid(),
): WebhookCall {
  const path = '/webhooks/twilio/status';
  const params = {
    MessageSid: sid,
    MessageStatus: status,
    AccountSid: `AC${'0'.repeat(32)}`,
    From: from,
    To: to,
  };
  const { body, signature } = signedTwilio(authToken, path, params);
  return {
    path,
    contentType: 'application/x-www-form-urlencoded',
    body,
    headers: { 'X-Twilio-Signature': signature },
  };
}

export type TelnyxKeys = ReturnType<typeof telnyxKeys>;

export function telnyxInbound(
  keys: TelnyxKeys,
  nowSeconds: number,
  to: string,
  from: string,
  text: string,
  id = randomUUID(),
  media: WireMedia[] = [],
): WebhookCall {
  const body = JSON.stringify({
    data: {
      event_type: 'message.received',
      id: randomUUID(),
      occurred_at: new Date(nowSeconds * 1000).toISOString(),
      payload: {
        id,
        record_type: 'message',
        direction: 'inbound',
        type: media.length > 0 ? 'MMS' : 'SMS',
        from: { phone_number: from },
        to: [{ phone_number: to, status: 'webhook_delivered' }],
        text,
        media: media.map((m) => ({ url: m.url, content_type: m.contentType })),
        parts: 1,
      },
      record_type: 'event',
    },
    meta: { attempt: 1 },
  });
  const timestamp = String(nowSeconds);
  return {
    path: '/webhooks/telnyx',
    contentType: 'application/json',
    body,
    headers: {
      'telnyx-timestamp': timestamp,
      'telnyx-signature-ed25519': keys.sign(timestamp, body),
    },
  };
}

export const flowrouteMessageId = () => `mdr2-${randomBytes(16).toString('hex')}`;

/** Flowroute authenticates by the secret in the path; v2.1 numbers are 11 digits, no "+". */
export function flowrouteInbound(
  inboundPath: string,
  to: string,
  from: string,
  text: string,
  id = flowrouteMessageId(),
  media: WireMedia[] = [],
): WebhookCall {
  const body = JSON.stringify({
    data: {
      type: 'message',
      id,
      attributes: {
        body: text,
        direction: 'inbound',
        from: from.slice(1),
        to: to.slice(1),
        is_mms: media.length > 0,
        message_encoding: 0,
        message_type: 'longcode',
        status: 'delivered',
        timestamp: '2026-11-26T15:04:05.00Z',
      },
    },
    included: media.map((m, n) => ({
      type: 'media',
      id: `${id}-media-${n}`,
      attributes: { url: m.url, mime_type: m.contentType },
    })),
  });
  return { path: inboundPath, contentType: 'application/vnd.api+json', body, headers: {} };
}

export function flowrouteReceipt(dlrPath: string, id: string, status: string): WebhookCall {
  const body = JSON.stringify({
    data: {
      type: 'delivery_receipt',
      id,
      attributes: {
        status,
        status_code: 1000,
        status_code_description: status,
        level: 2,
        timestamp: '2026-11-26T15:04:06.00Z',
      },
    },
  });
  return { path: dlrPath, contentType: 'application/vnd.api+json', body, headers: {} };
}
