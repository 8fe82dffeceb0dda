/**
 * The SMS provider port: one interface, one class per vendor (twilio, flowroute, telnyx, fake).
 * Adapters speak the vendor's real wire format; everything above this port speaks +E.164 and
 * the normalised shapes below.
 */
export type ProviderType = 'twilio' | 'flowroute' | 'telnyx' | 'fake';

export const PROVIDER_TYPES: readonly ProviderType[] = ['twilio', 'flowroute', 'telnyx', 'fake'];

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}
export interface FlowrouteCredentials {
  accessKey: string;
  secretKey: string;
}
export interface TelnyxCredentials {
  apiKey: string;
  /** base64 of the raw 32-byte Ed25519 public key shown in the Telnyx portal */
  publicKey: string;
}
export type ProviderCredentials =
  TwilioCredentials | FlowrouteCredentials | TelnyxCredentials | Record<string, never>;

export interface OutboundSms {
  /** +E.164 */
  to: string;
  /** +E.164 */
  from: string;
  body: string;
  /** where the provider should POST delivery status updates, when it supports a per-message URL */
  statusCallbackUrl?: string;
  /** drop the message at the provider if it cannot be sent within this many seconds */
  validitySeconds?: number;
}

export interface SendResult {
  providerMessageId: string;
  /** provider's own initial status, e.g. "queued", "accepted" */
  status: string;
  /** segments as billed by the provider, when it says */
  segments: number | null;
}

export type ProviderErrorKind = 'transient' | 'rate_limited' | 'permanent' | 'opted_out';

/** A typed send failure. Transient and rate-limited ones are retried; the others are final. */
export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly code?: string,
    /** from Retry-After, when the provider sent one */
    readonly retryAfterMs?: number,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Normalised message status, ordered: a message only ever moves forward. */
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';

export interface InboundSms {
  providerMessageId: string;
  /** +E.164 */
  from: string;
  /** +E.164 */
  to: string;
  /** empty when the text is only media */
  body: string;
  /** MMS attachments, as the provider hosts them: kept as links, never fetched */
  media?: InboundMedia[];
}

export interface InboundMedia {
  url: string;
  contentType: string | null;
}

/** No provider sends more than 10 attachments on one MMS. */
export const MAX_INBOUND_MEDIA = 10;

/** A plain text carries no `media` key at all, as before MMS. */
export function withMedia(media: InboundMedia[]): { media?: InboundMedia[] } {
  return media.length > 0 ? { media } : {};
}

/** The attachments whose URL is an http(s) URL, at most MAX_INBOUND_MEDIA. */
export function inboundMedia(items: { url: unknown; contentType: unknown }[]): InboundMedia[] {
  return items
    .filter(
      (m): m is { url: string; contentType: unknown } =>
        typeof m.url === 'string' && /^https?:\/\//i.test(m.url),
    )
    .slice(0, MAX_INBOUND_MEDIA)
    .map((m) => ({
      url: m.url,
      contentType: typeof m.contentType === 'string' && m.contentType ? m.contentType : null,
    }));
}

export interface StatusUpdate {
  providerMessageId: string;
  status: DeliveryStatus;
  /** the provider's own status word, kept for the record */
  rawStatus: string;
  errorCode?: string;
  /** +E.164 of our sender, when the callback carries it (Twilio `From`) */
  from?: string;
}

/** What an adapter needs to see of an incoming webhook request. */
export interface WebhookRequest {
  /** the full public URL the provider called: PUBLIC_BASE_URL + path (+ query) */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export type WebhookKind = 'inbound' | 'status';

/** A parsed, not yet authenticated webhook: enough to find the clinic whose secret checks it. */
export type ParsedWebhook =
  | { kind: 'inbound'; message: InboundSms }
  | { kind: 'status'; update: StatusUpdate }
  /** a webhook we acknowledge but do not act on (e.g. Telnyx message.sent for an outbound) */
  | { kind: 'ignored'; reason: string };

/** The body was not what this provider sends: a 400, nothing stored. */
export class MalformedWebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedWebhookError';
  }
}

export type SignatureCheck = 'ok' | 'missing' | 'invalid';

export interface SmsProvider {
  readonly type: ProviderType;
  send(credentials: ProviderCredentials, message: OutboundSms): Promise<SendResult>;
  /** Parse a webhook body of the given kind. Throws MalformedWebhookError. */
  parseWebhook(kind: WebhookKind, request: WebhookRequest): ParsedWebhook;
  /** Authenticate a webhook with the owning clinic's credentials. */
  verifyWebhook(
    credentials: ProviderCredentials,
    request: WebhookRequest,
    now: Date,
  ): SignatureCheck;
}
