import {
  basicAuth,
  clip,
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
  FlowrouteCredentials,
  MalformedWebhookError,
  OutboundSms,
  ParsedWebhook,
  ProviderCredentials,
  ProviderError,
  SendResult,
  SignatureCheck,
  SmsProvider,
  WebhookKind,
  WebhookRequest,
  inboundMedia,
  withMedia,
} from './sms-provider.port';

const JSON_API = 'application/vnd.api+json';

/** NANP: area code and exchange both start 2-9. */
const NANP_E164 = /^\+1([2-9]\d{2}[2-9]\d{6})$/;

/** Level-1 receipts say the carrier took the message; level 2 is the handset outcome. */
const PROGRESS = new Set(['smsc submit', 'message buffered', 'buffered', 'enroute', 'accepted']);
const FAILURES = new Set([
  'undeliverable',
  'undelivered',
  'rejected',
  'expired',
  'failed',
  'deleted',
  'smsc reject',
]);

/** +E.164 to v2.1's `1NPANXXXXXX`; null for anything v2.1 cannot carry (it is NANP only). */
export function toFlowrouteNumber(e164: string): string | null {
  const match = NANP_E164.exec(e164);
  return match ? `1${match[1]}` : null;
}

/** v2.1's `1NPANXXXXXX` (or a bare 10-digit / already +E.164 number) to +E.164. */
export function fromFlowrouteNumber(number: string): string | null {
  if (/^1\d{10}$/.test(number)) return `+${number}`;
  if (/^\d{10}$/.test(number)) return `+1${number}`;
  if (/^\+[1-9]\d{6,14}$/.test(number)) return number;
  return null;
}

export class FlowrouteProvider implements SmsProvider {
  readonly type = 'flowroute' as const;
  private readonly http: HttpClient;
  private readonly baseUrl: string;

  constructor(baseUrl: string, timeoutMs: number) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.http = new HttpClient('flowroute', timeoutMs);
  }

  async send(credentials: ProviderCredentials, message: OutboundSms): Promise<SendResult> {
    const creds = readCredentials(credentials);
    if (!creds) throw new ProviderError('permanent', 'flowroute: credentials are incomplete');
    const to = toFlowrouteNumber(message.to);
    const from = toFlowrouteNumber(message.from);
    if (!to || !from) {
      throw new ProviderError(
        'permanent',
        'flowroute: v2.1 sends between NANP numbers only',
        'non_nanp',
      );
    }
    // Flowroute has no validity period; the dispatcher's own deadline has to do.
    const attributes: Record<string, string> = { to, from, body: message.body };
    if (message.statusCallbackUrl) attributes.dlr_callback = message.statusCallbackUrl;
    const response = await this.http.post({
      url: `${this.baseUrl}/v2.1/messages`,
      headers: {
        Authorization: basicAuth(creds.accessKey, creds.secretKey),
        'Content-Type': JSON_API,
        Accept: JSON_API,
      },
      body: JSON.stringify({ data: { type: 'message', attributes } }),
    });
    if (!isSuccess(response.status)) throw sendError(response);
    const json = parseJson(response.body);
    const id = isRecord(json) && isRecord(json.data) ? nonEmptyString(json.data.id) : undefined;
    if (!id) {
      // Flowroute may well have taken the text; permanent keeps it from being sent twice.
      throw new ProviderError('permanent', 'flowroute: 2xx without a message id', 'bad_response');
    }
    return { providerMessageId: id, status: 'accepted', segments: null };
  }

  /** Dispatches on `data.type`, not on the route, so a mixed-up callback URL still works. */
  parseWebhook(_kind: WebhookKind, request: WebhookRequest): ParsedWebhook {
    const json = parseJson(request.rawBody.toString('utf8'));
    const data = isRecord(json) && isRecord(json.data) ? json.data : undefined;
    const id = data ? nonEmptyString(data.id) : undefined;
    if (!data || !id || !isRecord(data.attributes)) {
      throw new MalformedWebhookError('flowroute callback is not a JSON:API resource');
    }
    if (data.type === 'message')
      return parseInbound(id, data.attributes, (json as Record<string, unknown>).included);
    if (data.type === 'delivery_receipt') return parseReceipt(id, data.attributes);
    return { kind: 'ignored', reason: `flowroute resource ${clip(String(data.type), 40)}` };
  }

  /** Flowroute signs nothing; the controller checks the per-clinic secret in the path. */
  verifyWebhook(
    _credentials: ProviderCredentials,
    _request: WebhookRequest,
    _now: Date,
  ): SignatureCheck {
    return 'ok';
  }
}

function readCredentials(credentials: ProviderCredentials): FlowrouteCredentials | null {
  const { accessKey, secretKey } = credentials as Partial<FlowrouteCredentials>;
  return typeof accessKey === 'string' && accessKey && typeof secretKey === 'string' && secretKey
    ? { accessKey, secretKey }
    : null;
}

function sendError(response: HttpResponse): ProviderError {
  const json = parseJson(response.body);
  const first = isRecord(json) && Array.isArray(json.errors) ? (json.errors[0] as unknown) : null;
  const error = isRecord(first) ? first : {};
  const detail =
    nonEmptyString(error.detail) ?? nonEmptyString(error.title) ?? `HTTP ${response.status}`;
  const text = `flowroute: ${clip(detail)}`;
  const code = nonEmptyString(error.code);
  const status = response.status;
  if (status === 429) {
    return new ProviderError('rate_limited', text, code, retryAfterMs(response.headers), status);
  }
  if (status >= 500) {
    return new ProviderError('transient', text, code, retryAfterMs(response.headers), status);
  }
  return new ProviderError('permanent', text, code, undefined, status);
}

function parseInbound(
  id: string,
  attributes: Record<string, unknown>,
  included: unknown,
): ParsedWebhook {
  if (attributes.direction !== undefined && attributes.direction !== 'inbound') {
    return { kind: 'ignored', reason: 'flowroute outbound message echo' };
  }
  const from = typeof attributes.from === 'string' ? fromFlowrouteNumber(attributes.from) : null;
  const to = typeof attributes.to === 'string' ? fromFlowrouteNumber(attributes.to) : null;
  if (!from || !to) throw new MalformedWebhookError('flowroute message lacks from or to');
  const body = typeof attributes.body === 'string' ? attributes.body : '';
  // MMS: `included` [{ type: 'media', attributes: { url, mime_type, file_name, file_size } }]
  const media = inboundMedia(
    (Array.isArray(included) ? included : [])
      .filter((r): r is Record<string, unknown> => isRecord(r) && r.type === 'media')
      .map((r) => (isRecord(r.attributes) ? r.attributes : {}))
      .map((a) => ({ url: a.url, contentType: a.mime_type })),
  );
  return {
    kind: 'inbound',
    message: { providerMessageId: id, from, to, body, ...withMedia(media) },
  };
}

function parseReceipt(id: string, attributes: Record<string, unknown>): ParsedWebhook {
  const rawStatus = nonEmptyString(attributes.status);
  if (!rawStatus) throw new MalformedWebhookError('flowroute delivery receipt lacks status');
  const word = rawStatus
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');
  const status = receiptStatus(word, attributes.level);
  if (!status) return { kind: 'ignored', reason: `flowroute receipt ${clip(rawStatus, 40)}` };
  const code = attributes.status_code;
  const errorCode =
    FAILURES.has(word) && (typeof code === 'number' || typeof code === 'string')
      ? String(code)
      : undefined;
  return { kind: 'status', update: { providerMessageId: id, status, rawStatus, errorCode } };
}

/**
 * A failure at level 1 means the carrier never took the message (`failed`, as Twilio uses it);
 * at level 2 the carrier took it and could not deliver (`undelivered`).
 */
function receiptStatus(word: string, level: unknown): DeliveryStatus | null {
  if (word === 'delivered') return 'delivered';
  if (PROGRESS.has(word)) return 'sent';
  if (!FAILURES.has(word)) return null;
  const submitLevel = level === 1 || level === '1' || word === 'smsc reject';
  return submitLevel ? 'failed' : 'undelivered';
}
