import { createPublicKey, KeyObject, verify } from 'node:crypto';
import {
  clip,
  headerValue,
  HttpClient,
  HttpResponse,
  isRecord,
  isSuccess,
  nonEmptyString,
  parseJson,
  retryAfterMs,
} from './http-client';
import {
  DeliveryStatus,
  MalformedWebhookError,
  OutboundSms,
  ParsedWebhook,
  ProviderCredentials,
  ProviderError,
  SendResult,
  SignatureCheck,
  SmsProvider,
  TelnyxCredentials,
  WebhookKind,
  WebhookRequest,
  inboundMedia,
  withMedia,
} from './sms-provider.port';

/** Replays older (or clocks further apart) than this are refused, as Telnyx's SDKs do. */
export const TELNYX_TIMESTAMP_TOLERANCE_SECONDS = 300;

/** DER header of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** `delivery_unconfirmed`: handed to the carrier, which never sent a receipt. */
const STATUSES = new Map<string, DeliveryStatus>([
  ['queued', 'queued'],
  ['sending', 'queued'],
  ['sent', 'sent'],
  ['delivery_unconfirmed', 'sent'],
  ['delivered', 'delivered'],
  ['delivery_failed', 'undelivered'],
  ['sending_failed', 'failed'],
]);

export class TelnyxProvider implements SmsProvider {
  readonly type = 'telnyx' as const;
  private readonly http: HttpClient;
  private readonly baseUrl: string;

  constructor(baseUrl: string, timeoutMs: number) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.http = new HttpClient('telnyx', timeoutMs);
  }

  async send(credentials: ProviderCredentials, message: OutboundSms): Promise<SendResult> {
    const { apiKey } = credentials as Partial<TelnyxCredentials>;
    if (typeof apiKey !== 'string' || !apiKey) {
      throw new ProviderError('permanent', 'telnyx: credentials are incomplete');
    }
    const payload: Record<string, string> = {
      from: message.from,
      to: message.to,
      text: message.body,
    };
    if (message.statusCallbackUrl) payload.webhook_url = message.statusCallbackUrl;
    const response = await this.http.post({
      url: `${this.baseUrl}/v2/messages`,
      headers: {
        Authorization: `Bearer ${apiKey}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      body: JSON.stringify(payload),
    });
    if (!isSuccess(response.status)) throw sendError(response);
    return sendResult(response.body);
  }

  /** Telnyx posts every event to one URL, so the event type decides, not `kind`. */
  parseWebhook(_kind: WebhookKind, request: WebhookRequest): ParsedWebhook {
    const json = parseJson(request.rawBody.toString('utf8'));
    const data = isRecord(json) && isRecord(json.data) ? json.data : undefined;
    const eventType = data ? nonEmptyString(data.event_type) : undefined;
    if (!data || !eventType || !isRecord(data.payload)) {
      throw new MalformedWebhookError('telnyx webhook lacks data.event_type or data.payload');
    }
    const payload = data.payload;
    if (eventType === 'message.received') return parseInbound(payload);
    if (eventType === 'message.sent' || eventType === 'message.finalized') {
      return parseStatus(payload);
    }
    return { kind: 'ignored', reason: `telnyx event ${clip(eventType, 40)}` };
  }

  verifyWebhook(
    credentials: ProviderCredentials,
    request: WebhookRequest,
    now: Date,
  ): SignatureCheck {
    const signature = headerValue(request.headers, 'telnyx-signature-ed25519');
    const timestamp = headerValue(request.headers, 'telnyx-timestamp');
    if (!signature || !timestamp) return 'missing';
    if (!/^\d{1,12}$/.test(timestamp)) return 'invalid';
    const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
    if (skew > TELNYX_TIMESTAMP_TOLERANCE_SECONDS) return 'invalid';
    const key = publicKey((credentials as Partial<TelnyxCredentials>).publicKey);
    if (!key) return 'invalid';
    const signed = Buffer.concat([Buffer.from(`${timestamp}|`, 'utf8'), request.rawBody]);
    try {
      return verify(null, signed, key, Buffer.from(signature, 'base64')) ? 'ok' : 'invalid';
    } catch {
      return 'invalid';
    }
  }
}

/** A clinic's key is user input: anything that is not a 32-byte Ed25519 key is just `invalid`. */
function publicKey(base64: unknown): KeyObject | null {
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]{43}=?$/.test(base64.trim())) return null;
  const raw = Buffer.from(base64.trim(), 'base64');
  if (raw.length !== 32) return null;
  try {
    return createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
      format: 'der',
      type: 'spki',
    });
  } catch {
    return null;
  }
}

function sendResult(body: string): SendResult {
  const json = parseJson(body);
  const data = isRecord(json) && isRecord(json.data) ? json.data : undefined;
  const id = data ? nonEmptyString(data.id) : undefined;
  if (!data || !id) {
    // Telnyx may well have queued the text; permanent keeps it from being sent twice.
    throw new ProviderError('permanent', 'telnyx: 2xx without a message id', 'bad_response');
  }
  const recipient = Array.isArray(data.to) ? (data.to[0] as unknown) : undefined;
  const status = isRecord(recipient) ? nonEmptyString(recipient.status) : undefined;
  const parts = data.parts;
  return {
    providerMessageId: id,
    status: status ?? 'queued',
    segments: typeof parts === 'number' && Number.isInteger(parts) && parts > 0 ? parts : null,
  };
}

function sendError(response: HttpResponse): ProviderError {
  const json = parseJson(response.body);
  const first = isRecord(json) && Array.isArray(json.errors) ? (json.errors[0] as unknown) : null;
  const error = isRecord(first) ? first : {};
  const rawCode = error.code;
  const code =
    typeof rawCode === 'string' || typeof rawCode === 'number' ? String(rawCode) : undefined;
  const detail =
    nonEmptyString(error.detail) ?? nonEmptyString(error.title) ?? `HTTP ${response.status}`;
  const text = `telnyx: ${clip(detail)}`;
  const status = response.status;
  if (status === 429 || code === '10011') {
    return new ProviderError('rate_limited', text, code, retryAfterMs(response.headers), status);
  }
  if (code === '40300') return new ProviderError('opted_out', text, code, undefined, status);
  if (status >= 500) {
    return new ProviderError('transient', text, code, retryAfterMs(response.headers), status);
  }
  return new ProviderError('permanent', text, code, undefined, status);
}

function phoneNumber(party: unknown): string | undefined {
  return isRecord(party) ? nonEmptyString(party.phone_number) : undefined;
}

function firstRecipient(payload: Record<string, unknown>): unknown {
  return Array.isArray(payload.to) ? (payload.to[0] as unknown) : undefined;
}

function parseInbound(payload: Record<string, unknown>): ParsedWebhook {
  if (payload.direction !== 'inbound') {
    return { kind: 'ignored', reason: 'telnyx message.received that is not inbound' };
  }
  // payload.id is the message; data.id is only this delivery of the event.
  const id = nonEmptyString(payload.id);
  const from = phoneNumber(payload.from);
  const to = phoneNumber(firstRecipient(payload));
  if (!id || !from || !to) {
    throw new MalformedWebhookError('telnyx inbound message lacks id, from or to');
  }
  const body = typeof payload.text === 'string' ? payload.text : '';
  // `media`: [{ url, content_type, size, hash_sha256 }]
  const media = inboundMedia(
    (Array.isArray(payload.media) ? payload.media : [])
      .filter(isRecord)
      .map((m) => ({ url: m.url, contentType: m.content_type })),
  );
  return {
    kind: 'inbound',
    message: { providerMessageId: id, from, to, body, ...withMedia(media) },
  };
}

function parseStatus(payload: Record<string, unknown>): ParsedWebhook {
  const id = nonEmptyString(payload.id);
  const recipient = firstRecipient(payload);
  const rawStatus = isRecord(recipient) ? nonEmptyString(recipient.status) : undefined;
  if (!id || !rawStatus) {
    throw new MalformedWebhookError('telnyx status event lacks payload.id or to[0].status');
  }
  const status = STATUSES.get(rawStatus);
  if (!status) return { kind: 'ignored', reason: `telnyx status ${clip(rawStatus, 40)}` };
  const errors = Array.isArray(payload.errors) ? (payload.errors[0] as unknown) : undefined;
  const rawCode = isRecord(errors) ? errors.code : undefined;
  const errorCode =
    typeof rawCode === 'string' || typeof rawCode === 'number' ? String(rawCode) : undefined;
  return {
    kind: 'status',
    update: {
      providerMessageId: id,
      status,
      rawStatus,
      errorCode,
      from: phoneNumber(payload.from),
    },
  };
}
