import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';

/**
 * Provider credentials at rest: envelope encryption. Each record gets its own random data key
 * (AES-256-GCM over the credentials' JSON); the data key is stored encrypted by the master key
 * (CREDENTIALS_KEY), named by its id, so a rotation only needs the old key until every record
 * is sealed again under the new one (`npm run credentials:rotate`). Without a master key,
 * credentials are stored as given and read either way.
 */
export interface SealedCredentials {
  sealed: 'aes-256-gcm/v1';
  /** id of the master key that encrypted `key`: the first 16 hex digits of its SHA-256 */
  kid: string;
  /** the data key, encrypted by the master key: base64 of iv (12) | tag (16) | ciphertext */
  key: string;
  /** the credentials' JSON, encrypted by the data key: base64 of iv | tag | ciphertext */
  data: string;
}

/** Bound into every ciphertext: a sealed value means nothing anywhere else. */
const DATA_AAD = Buffer.from('turnout provider credentials v1');

export class CredentialsKeyError extends Error {
  constructor(kid: string) {
    super(
      `provider credentials are sealed with master key ${kid}, which is neither CREDENTIALS_KEY ` +
        'nor CREDENTIALS_KEY_PREVIOUS',
    );
    this.name = 'CredentialsKeyError';
  }
}

export function keyId(master: Buffer): string {
  return createHash('sha256').update(master).digest('hex').slice(0, 16);
}

function encrypt(key: Buffer, plain: Buffer, aad: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function decrypt(key: Buffer, sealed: string, aad: Buffer): Buffer {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(aad);
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
}

export function isSealed(value: unknown): value is SealedCredentials {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as SealedCredentials).sealed === 'aes-256-gcm/v1'
  );
}

/** Opened credentials kept per sealed value: a send must not pay two decryptions. */
const CACHE_LIMIT = 1_000;

@Injectable()
export class CredentialsVault {
  private readonly current?: { kid: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();
  private readonly opened = new Map<string, unknown>();

  constructor(
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'credentialsKey' | 'credentialsKeyPrevious'>,
  ) {
    if (config.credentialsKeyPrevious) {
      this.keys.set(keyId(config.credentialsKeyPrevious), config.credentialsKeyPrevious);
    }
    if (config.credentialsKey) {
      this.current = { kid: keyId(config.credentialsKey), key: config.credentialsKey };
      this.keys.set(this.current.kid, config.credentialsKey);
    }
  }

  /** What to store: sealed under the current master key, or as given when there is none. */
  seal<T extends object>(credentials: T): T | SealedCredentials {
    if (!this.current) return credentials;
    const dataKey = randomBytes(32);
    const kid = this.current.kid;
    return {
      sealed: 'aes-256-gcm/v1',
      kid,
      key: encrypt(this.current.key, dataKey, Buffer.from(kid)),
      data: encrypt(dataKey, Buffer.from(JSON.stringify(credentials)), DATA_AAD),
    };
  }

  /** The credentials of a stored value, sealed or not. Throws CredentialsKeyError. */
  open<T>(stored: T | SealedCredentials): T {
    if (!isSealed(stored)) return stored;
    const cached = this.opened.get(stored.data);
    if (cached !== undefined) return cached as T;
    const master = this.keys.get(stored.kid);
    if (!master) throw new CredentialsKeyError(stored.kid);
    const dataKey = decrypt(master, stored.key, Buffer.from(stored.kid));
    const credentials = JSON.parse(decrypt(dataKey, stored.data, DATA_AAD).toString('utf8')) as T;
    if (this.opened.size >= CACHE_LIMIT) this.opened.clear();
    this.opened.set(stored.data, credentials);
    return credentials;
  }

  /** Whether a stored value is not yet sealed under the current master key. */
  needsReseal(stored: unknown): boolean {
    if (!this.current) return false;
    return !isSealed(stored) || stored.kid !== this.current.kid;
  }
}
