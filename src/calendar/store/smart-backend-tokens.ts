import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import type { CalendarStoreSecret, FhirAuthSettings } from '../../clinics/calendar-store-settings';
import { Clock } from '../../common/clock/clock';
import { StoreError } from './calendar-store.port';
import { outcomeText } from './fhir-mapping';

/** A token is renewed this long before it expires, so no call goes out with a dying one. */
const RENEW_BEFORE_MS = 60_000;
const ASSERTION_LIFETIME_S = 300;
/** jose, loaded at the first token a FHIR store asks for, not at every start. */
const jose = () => import('jose');

/**
 * SMART Backend Services (client_credentials with a private_key_jwt assertion): a JWT signed
 * with the clinic's key (RS384 for RSA, ES384 for EC), exchanged for an access token that is
 * kept, per clinic, until shortly before it expires.
 */
@Injectable()
export class SmartBackendTokens {
  private readonly kept = new Map<string, { token: string; until: number; key: string }>();

  constructor(private readonly clock: Clock) {}

  forget(clinicId: string): void {
    this.kept.delete(clinicId);
  }

  async token(
    clinicId: string,
    auth: Extract<FhirAuthSettings, { type: 'smart-backend' }>,
    secret: CalendarStoreSecret,
    fetcher: typeof fetch,
  ): Promise<string> {
    const now = this.clock.now().getTime();
    const cacheKey = `${auth.clientId} ${auth.tokenUrl} ${auth.scope}`;
    const kept = this.kept.get(clinicId);
    if (kept && kept.key === cacheKey && kept.until > now) return kept.token;
    const jwk = (secret.privateKeyJwk ?? {}) as unknown as JWK;
    const alg = jwk.kty === 'EC' ? 'ES384' : 'RS384';
    const { importJWK, SignJWT } = await jose();
    const key = await importJWK(jwk, alg);
    const seconds = Math.floor(now / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT', ...(jwk.kid ? { kid: jwk.kid } : {}) })
      .setIssuer(auth.clientId)
      .setSubject(auth.clientId)
      .setAudience(auth.tokenUrl)
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + ASSERTION_LIFETIME_S)
      .setJti(randomUUID())
      .sign(key);
    const res = await fetcher(auth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: auth.scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }).toString(),
    });
    const body = (await res.json().catch(() => null)) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    } | null;
    if (!res.ok || !body?.access_token) {
      const why = body?.error
        ? `${body.error}: ${body.error_description ?? ''}`
        : outcomeText(body, '');
      throw new StoreError(res.status, `token endpoint answered ${res.status} ${why}`.trim());
    }
    const lifetimeMs = (body.expires_in ?? 300) * 1000;
    this.kept.set(clinicId, {
      token: body.access_token,
      until: now + Math.max(0, lifetimeMs - RENEW_BEFORE_MS),
      key: cacheKey,
    });
    return body.access_token;
  }
}
