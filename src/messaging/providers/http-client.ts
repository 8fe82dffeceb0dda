/**
 * The one place adapters touch the network. Node's global fetch (undici) pools and keeps
 * connections alive, which matters at dispatch rates; every request gets a hard deadline so a
 * stalled provider cannot hold a dispatcher slot.
 */
import { ProviderError } from './sms-provider.port';

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

export class HttpClient {
  constructor(
    /** names the provider in error messages; never a credential */
    private readonly label: string,
    private readonly timeoutMs: number,
  ) {}

  async post(request: HttpRequest): Promise<HttpResponse> {
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        // A redirect would resend credentials somewhere we did not configure.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Still under the same signal: a server that stalls mid-body times out too.
      const body = await response.text();
      return { status: response.status, headers: response.headers, body };
    } catch (error: unknown) {
      throw this.transportError(error);
    }
  }

  /** Duck-typed: undici's errors may come from another realm (jest's vm), failing instanceof. */
  private transportError(error: unknown): ProviderError {
    if (isRecord(error) && error.name === 'TimeoutError') {
      return new ProviderError(
        'transient',
        `${this.label}: no response within ${this.timeoutMs} ms`,
        'timeout',
      );
    }
    const cause = isRecord(error) ? error.cause : undefined;
    const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : 'unknown';
    return new ProviderError('transient', `${this.label}: network error (${code})`, 'network');
  }
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Retry-After is either delay-seconds or an HTTP date. A date is measured against the response's
 * own Date header, which avoids both clock skew and reading the local clock here.
 */
export function parseRetryAfter(
  value: string | null,
  responseDate: string | null,
): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  const reference = responseDate ? Date.parse(responseDate) : NaN;
  if (Number.isNaN(at) || Number.isNaN(reference)) return undefined;
  return Math.max(0, at - reference);
}

export function retryAfterMs(headers: Headers): number | undefined {
  return parseRetryAfter(headers.get('retry-after'), headers.get('date'));
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Provider error text is echoed into our logs; keep it bounded. */
export function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** Header names are case-insensitive; a repeated header arrives as an array (first one wins). */
export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === wanted);
  const value = key === undefined ? undefined : headers[key];
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first : undefined;
}
