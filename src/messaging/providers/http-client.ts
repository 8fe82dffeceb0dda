/**
 * The one place adapters touch the network. node:http(s) with a kept-alive pool per scheme: at
 * dispatch rates connections are reused, and a send costs a fraction of the CPU that the global
 * fetch (undici, with its web streams) did. Every request gets a hard deadline, body included,
 * so a stalled provider cannot hold a dispatcher slot. Redirects are never followed: one would
 * resend credentials somewhere we did not configure.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ProviderError } from './sms-provider.port';

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Response headers by case-insensitive name; a repeated one reads as its values joined. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: string;
}

/**
 * An idle connection is closed after 4 s, as fetch's pool did: before a provider's server drops
 * it, so a send rarely goes out on a connection being closed under it.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 4_000 };
const AGENTS = { 'http:': new HttpAgent(KEEP_ALIVE), 'https:': new HttpsAgent(KEEP_ALIVE) };

export class HttpClient {
  constructor(
    /** names the provider in error messages; never a credential */
    private readonly label: string,
    private readonly timeoutMs: number,
  ) {}

  async post(request: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.send(request);
    } catch (error: unknown) {
      throw this.transportError(error);
    }
  }

  private send({ url, headers, body }: HttpRequest): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        throw new TypeError(`unsupported protocol ${target.protocol}`);
      }
      const options = {
        method: 'POST',
        agent: AGENTS[target.protocol],
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      };
      const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
        target,
        options,
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            resolve({
              status: res.statusCode ?? 0,
              headers: responseHeaders(res.headers),
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      // Over the whole exchange: a server that stalls mid-body times out too.
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(timeoutError());
      }, this.timeoutMs);
      timer.unref();
      // Whichever stream reports it first, a destroyed exchange is the deadline's doing.
      function fail(error: Error): void {
        clearTimeout(timer);
        reject(timedOut ? timeoutError() : error);
      }
      req.on('error', fail);
      req.end(body);
    });
  }

  /** Duck-typed: errors may come from another realm (jest's vm), failing instanceof. */
  private transportError(error: unknown): ProviderError {
    if (isRecord(error) && error.name === 'TimeoutError') {
      return new ProviderError(
        'transient',
        `${this.label}: no response within ${this.timeoutMs} ms`,
        'timeout',
      );
    }
    const cause = isRecord(error) && isRecord(error.cause) ? error.cause : error;
    const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : 'unknown';
    return new ProviderError('transient', `${this.label}: network error (${code})`, 'network');
  }
}

function timeoutError(): Error {
  const error = new Error('the provider did not answer in time');
  error.name = 'TimeoutError';
  return error;
}

function responseHeaders(headers: IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name: string): string | null {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
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

export function retryAfterMs(headers: ResponseHeaders): number | undefined {
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
