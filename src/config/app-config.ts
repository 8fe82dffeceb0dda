import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The one place that reads the environment. Everything else receives an AppConfig, so a test can
 * build one by hand and nothing changes behaviour because a variable was set after start-up.
 */
export interface AppConfig {
  /** undefined until resolved: then the embedded PostgreSQL is started and this is filled in */
  databaseUrl: string | undefined;
  port: number;
  publicBaseUrl: string;
  adminToken: string | undefined;
  /** where local mode keeps its embedded database and generated admin token */
  dataDir: string;
  embeddedPostgresPort: number;
  /**
   * The outbound pipeline's safety-net poll: it sleeps until the earliest due text it knows
   * and is woken by producers (LISTEN/NOTIFY), so this only bounds a lost signal. 0 disables
   * the loop (tests drive it by hand).
   */
  dispatchIntervalMs: number;
  dispatchBatchSize: number;
  /** how long a claimed reminder stays ours before another instance may retry it */
  dispatchLeaseMs: number;
  /** provider calls in flight at once per instance: network latency must not cap throughput */
  dispatchConcurrency: number;
  /**
   * Added to each sender's one-second window when spacing its messages, so a message sent a
   * little late never shares a window with the one `sendRatePerSecond` places after it.
   */
  sendRateMarginMs: number;
  /** the webhook inbox's safety-net poll (woken by the intake); 0 disables the loop */
  inboxIntervalMs: number;
  /**
   * How long claimed inbox events stay this instance's: far longer than a chunk takes, so only a
   * dead instance's events wait this long (a shorter lease hands them on sooner after a crash).
   */
  inboxLeaseMs: number;
  providerTimeoutMs: number;
  /** how long a clinic's calendar endpoint may take to answer a write-back event */
  calendarTimeoutMs: number;
  twilioApiBaseUrl: string;
  flowrouteApiBaseUrl: string;
  telnyxApiBaseUrl: string;
  logLevel: string;
  /** json: one JSON object per line (production, CI, a pipe); pretty: short human lines */
  logFormat: LogFormat;
  /** when set, GET /metrics wants `Authorization: Bearer <token>` */
  metricsToken: string | undefined;
  /** requests per minute per API key (or per IP without one) on /v1; 0 turns the limit off */
  apiRateLimitPerMinute: number;
  /** console sign-in attempts per minute per IP; 0 turns the limit off */
  signInRateLimitPerMinute: number;
  /** provider webhooks per second per IP: far above any provider's burst; 0 turns it off */
  webhookRateLimitPerSecond: number;
  /** Express `trust proxy`: how the client IP is read behind a load balancer (unset: the socket's) */
  trustProxy: string | undefined;
  /**
   * Master keys for provider credentials at rest (32 bytes, base64 or hex). Unset: stored as
   * given. The previous key is only read, while a rotation re-encrypts under the current one.
   */
  credentialsKey: Buffer | undefined;
  credentialsKeyPrevious: Buffer | undefined;
  /** WebAuthn relying party: the passkeys' domain (default: PUBLIC_BASE_URL's host name) */
  webauthnRpId: string;
  /** the origins a passkey ceremony may come from (default: PUBLIC_BASE_URL's origin) */
  webauthnOrigins: string[];
  /** JSON body limit of the batch uploads, e.g. "8mb": 5,000 items fit comfortably (other routes take 64 kB) */
  bodyLimit: string;
}

export type LogFormat = 'json' | 'pretty';

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** A 256-bit key written as 64 hex digits or as base64 of 32 bytes. */
function key(env: Env, name: string): Buffer | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const bytes = /^[0-9a-fA-F]{64}$/.test(raw)
    ? Buffer.from(raw, 'hex')
    : Buffer.from(raw, 'base64');
  if (
    bytes.length !== 32 ||
    (!/^[0-9a-fA-F]{64}$/.test(raw) && !/^[A-Za-z0-9+/_-]+=*$/.test(raw))
  ) {
    throw new ConfigError(
      `${name} must be 32 random bytes as 64 hex digits or base64 (openssl rand -base64 32)`,
    );
  }
  return bytes;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads `.env` from the working directory when there is one. Variables already set in the
 * environment win, so a deployment's settings are never overridden by a forgotten file.
 */
export function loadEnvFile(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

/** LOG_FORMAT wins; otherwise human lines on a terminal and JSON everywhere else. */
function logFormat(env: Env, stdoutIsTty: boolean): LogFormat {
  const raw = env.LOG_FORMAT || (stdoutIsTty ? 'pretty' : 'json');
  if (raw !== 'json' && raw !== 'pretty') {
    throw new ConfigError(`LOG_FORMAT must be json or pretty, got "${raw}"`);
  }
  return raw;
}

export function loadConfig(
  env: Env = process.env,
  stdoutIsTty = process.stdout.isTTY === true,
): AppConfig {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const adminToken = env.ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN must be at least 16 characters');
  }
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  }
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL', `http://localhost:${port}`);
  const webauthnOrigins = (env.WEBAUTHN_ORIGINS || new URL(publicBaseUrl).origin)
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of webauthnOrigins)
    url({ WEBAUTHN_ORIGINS: origin }, 'WEBAUTHN_ORIGINS', origin);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    port,
    publicBaseUrl,
    webauthnRpId: env.WEBAUTHN_RP_ID || new URL(publicBaseUrl).hostname,
    webauthnOrigins,
    adminToken,
    dataDir: resolve(env.TURNOUT_DATA_DIR || '.data'),
    embeddedPostgresPort: int(env, 'EMBEDDED_PG_PORT', 54329, 1, 65535),
    dispatchIntervalMs: int(env, 'DISPATCH_INTERVAL_MS', 2_000, 0, 3_600_000),
    dispatchBatchSize: int(env, 'DISPATCH_BATCH_SIZE', 200, 1, 10_000),
    dispatchLeaseMs: int(env, 'DISPATCH_LEASE_MS', 60_000, 1_000, 3_600_000),
    dispatchConcurrency: int(env, 'DISPATCH_CONCURRENCY', 32, 1, 1_000),
    sendRateMarginMs: int(env, 'SEND_RATE_MARGIN_MS', 100, 10, 1_000),
    inboxIntervalMs: int(env, 'INBOX_INTERVAL_MS', 1_000, 0, 3_600_000),
    inboxLeaseMs: int(env, 'INBOX_LEASE_MS', 30_000, 1_000, 3_600_000),
    providerTimeoutMs: int(env, 'PROVIDER_TIMEOUT_MS', 10_000, 100, 120_000),
    calendarTimeoutMs: int(env, 'CALENDAR_TIMEOUT_MS', 10_000, 100, 120_000),
    twilioApiBaseUrl: url(env, 'TWILIO_API_BASE_URL', 'https://api.twilio.com'),
    flowrouteApiBaseUrl: url(env, 'FLOWROUTE_API_BASE_URL', 'https://api.flowroute.com'),
    telnyxApiBaseUrl: url(env, 'TELNYX_API_BASE_URL', 'https://api.telnyx.com'),
    logLevel,
    logFormat: logFormat(env, stdoutIsTty),
    metricsToken,
    bodyLimit: env.BODY_LIMIT || '8mb',
    apiRateLimitPerMinute: int(env, 'API_RATE_LIMIT', 1200, 0, 10_000_000),
    signInRateLimitPerMinute: int(env, 'SIGN_IN_RATE_LIMIT', 10, 0, 10_000_000),
    webhookRateLimitPerSecond: int(env, 'WEBHOOK_RATE_LIMIT', 500, 0, 10_000_000),
    trustProxy: env.TRUST_PROXY || undefined,
    credentialsKey: key(env, 'CREDENTIALS_KEY'),
    credentialsKeyPrevious: key(env, 'CREDENTIALS_KEY_PREVIOUS'),
  };
}

/** Nest injection token for the resolved AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
