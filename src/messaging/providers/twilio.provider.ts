import {
  basicAuth,
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
  TwilioCredentials,
  WebhookKind,
  WebhookRequest,
  inboundMedia,
  withMedia,
  type InboundMedia,
  MAX_INBOUND_MEDIA,
} from './sms-provider.port';
import { isValidTwilioSignature } from './twilio-signature';

/** Twilio refuses ValidityPeriod outside 1..36000 s (21624); the maximum is also its default. */
const MAX_VALIDITY_SECONDS = 36000;

/** Read receipts (`read`) imply delivery; anything unlisted is acknowledged and ignored. */
const STATUSES = new Map<string, DeliveryStatus>([
  ['accepted', 'queued'],
  ['scheduled', 'queued'],
  ['queued', 'queued'],
  ['sending', 'queued'],
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['read', 'delivered'],
  ['undelivered', 'undelivered'],
  ['failed', 'failed'],
  ['canceled', 'failed'],
]);

export class TwilioProvider implements SmsProvider {
  readonly type = 'twilio' as const;
  private readonly http: HttpClient;
  private readonly baseUrl: string;

  constructor(baseUrl: string, timeoutMs: number) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.http = new HttpClient('twilio', timeoutMs);
  }

  async send(credentials: ProviderCredentials, message: OutboundSms): Promise<SendResult> {
    const creds = readCredentials(credentials);
    if (!creds) throw new ProviderError('permanent', 'twilio: credentials are incomplete');
    const form = new URLSearchParams({ To: message.to, From: message.from, Body: message.body });
    if (message.statusCallbackUrl) form.set('StatusCallback', message.statusCallbackUrl);
    if (message.validitySeconds !== undefined) {
      const seconds = Math.min(
        MAX_VALIDITY_SECONDS,
        Math.max(1, Math.floor(message.validitySeconds)),
      );
      form.set('ValidityPeriod', String(seconds));
    }
    const response = await this.http.post({
      url: `${this.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(creds.accountSid)}/Messages.json`,
      headers: {
        Authorization: basicAuth(creds.accountSid, creds.authToken),
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: form.toString(),
    });
    if (!isSuccess(response.status)) throw sendError(response);
    return sendResult(response.body);
  }

  parseWebhook(kind: WebhookKind, request: WebhookRequest): ParsedWebhook {
    const params = formBody(request);
    const sid = params.get('MessageSid');
    const from = params.get('From');
    const to = params.get('To');
    if (!sid || !from || !to) {
      throw new MalformedWebhookError('twilio webhook lacks MessageSid, From or To');
    }
    if (kind === 'inbound') {
      return {
        kind: 'inbound',
        message: {
          providerMessageId: sid,
          from,
          to,
          body: params.get('Body') ?? '',
          ...withMedia(twilioMedia(params)),
        },
      };
    }
    const rawStatus = params.get('MessageStatus');
    if (!rawStatus) throw new MalformedWebhookError('twilio status callback lacks MessageStatus');
    const status = STATUSES.get(rawStatus);
    if (!status) return { kind: 'ignored', reason: `twilio status ${clip(rawStatus, 40)}` };
    const errorCode = params.get('ErrorCode') || undefined;
    return {
      kind: 'status',
      update: { providerMessageId: sid, status, rawStatus, errorCode, from },
    };
  }

  verifyWebhook(
    credentials: ProviderCredentials,
    request: WebhookRequest,
    _now: Date,
  ): SignatureCheck {
    const signature = headerValue(request.headers, 'x-twilio-signature');
    if (!signature) return 'missing';
    // An empty token would make the HMAC computable by anyone.
    const creds = readCredentials(credentials);
    if (!creds) return 'invalid';
    return isValidTwilioSignature(
      creds.authToken,
      signature,
      request.url,
      signedParams(request.rawBody),
    )
      ? 'ok'
      : 'invalid';
  }
}

function readCredentials(credentials: ProviderCredentials): TwilioCredentials | null {
  const { accountSid, authToken } = credentials as Partial<TwilioCredentials>;
  return typeof accountSid === 'string' && accountSid && typeof authToken === 'string' && authToken
    ? { accountSid, authToken }
    : null;
}

function sendResult(body: string): SendResult {
  const json = parseJson(body);
  const sid = isRecord(json) ? nonEmptyString(json.sid) : undefined;
  if (!isRecord(json) || !sid) {
    // Twilio may well have queued the text; permanent keeps the dispatcher from sending it twice.
    throw new ProviderError('permanent', 'twilio: 2xx without a message sid', 'bad_response');
  }
  const segments = Number(json.num_segments);
  return {
    providerMessageId: sid,
    status: nonEmptyString(json.status) ?? 'queued',
    segments: Number.isInteger(segments) && segments > 0 ? segments : null,
  };
}

/** Classes of errors, not every code, as Twilio advises. */
function sendError(response: HttpResponse): ProviderError {
  const json = parseJson(response.body);
  const rawCode = isRecord(json) ? json.code : undefined;
  const code =
    typeof rawCode === 'number' || typeof rawCode === 'string' ? String(rawCode) : undefined;
  const detail = (isRecord(json) && nonEmptyString(json.message)) || `HTTP ${response.status}`;
  const text = `twilio: ${clip(detail)}`;
  const status = response.status;
  if (status === 429 || code === '20429') {
    return new ProviderError('rate_limited', text, code, retryAfterMs(response.headers), status);
  }
  if (code === '21610') return new ProviderError('opted_out', text, code, undefined, status);
  // 21611: the sender's queue is full; it drains, so a later attempt can succeed.
  if (status >= 500 || code === '21611') {
    return new ProviderError('transient', text, code, retryAfterMs(response.headers), status);
  }
  return new ProviderError('permanent', text, code, undefined, status);
}

/** `NumMedia` attachments as `MediaUrl{N}` / `MediaContentType{N}`, N from 0. */
function twilioMedia(params: URLSearchParams): InboundMedia[] {
  const count = Math.min(Number(params.get('NumMedia') ?? 0) || 0, MAX_INBOUND_MEDIA);
  return inboundMedia(
    Array.from({ length: count }, (_, n) => ({
      url: params.get(`MediaUrl${n}`),
      contentType: params.get(`MediaContentType${n}`),
    })),
  );
}

function formBody(request: WebhookRequest): URLSearchParams {
  const contentType = headerValue(request.headers, 'content-type');
  if (contentType && !contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new MalformedWebhookError('twilio webhooks are form-encoded');
  }
  return formOf(request.rawBody);
}

/**
 * A webhook's body is read twice, to parse it and to verify its signature: decoded once. Keyed
 * by the body's own Buffer, so it goes with the request.
 */
const FORMS = new WeakMap<Buffer, URLSearchParams>();

function formOf(rawBody: Buffer): URLSearchParams {
  let form = FORMS.get(rawBody);
  if (!form) {
    form = new URLSearchParams(rawBody.toString('utf8'));
    FORMS.set(rawBody, form);
  }
  return form;
}

/** Every parameter Twilio posted is signed, including ones we do not read; repeats as arrays. */
function signedParams(rawBody: Buffer): Record<string, string | string[]> {
  const params = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of formOf(rawBody)) {
    const previous = params[name];
    params[name] =
      previous === undefined
        ? value
        : Array.isArray(previous)
          ? [...previous, value]
          : [previous, value];
  }
  return params;
}
