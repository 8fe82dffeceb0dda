import { Injectable } from '@nestjs/common';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { Secrets, sha256Hex } from '../common/crypto/secrets';
import { ConsoleSessionsRepository } from '../auth/console-sessions.repository';
import { SESSION_TTL_MS } from '../auth/session-cookie';
import { SignInLinksRepository } from './sign-in-links.repository';

/** How long a one-time sign-in link stays usable. */
export const SIGN_IN_LINK_TTL_MS = 15 * 60 * 1000;

@Injectable()
export class ConsoleSessionService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly links: SignInLinksRepository,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
  ) {}

  /** Trades a clinic API key for a session token (null: not a live key); the key is not kept. */
  async signIn(apiKey: string): Promise<{ token: string; maxAgeMs: number } | null> {
    const clinic = apiKey.startsWith('tk_')
      ? await this.keys.findClinicByKeyHash(sha256Hex(apiKey))
      : null;
    return clinic ? this.startSession(clinic.id) : null;
  }

  /**
   * A one-time sign-in token for the clinic, usable for SIGN_IN_LINK_TTL_MS; bound to a person
   * (`staffId`), it lets that person register a passkey instead.
   */
  async createSignInLink(
    clinic: ClinicEntity,
    staffId: string | null = null,
  ): Promise<{ token: string; expiresAt: Date }> {
    const token = this.secrets.token('sl_');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + SIGN_IN_LINK_TTL_MS);
    await this.links.insert(clinic.id, sha256Hex(token), now, expiresAt, staffId);
    return { token, expiresAt };
  }

  /** Whether a live link is a person's (it opens the passkey page), the clinic's, or spent. */
  async linkKind(token: string): Promise<'person' | 'clinic' | null> {
    const link = await this.links.peek(sha256Hex(token), this.clock.now());
    return link ? (link.staffId ? 'person' : 'clinic') : null;
  }

  /** Trades a sign-in link's token for a session (null: unknown, used or expired). */
  async signInWithLink(token: string): Promise<{ token: string; maxAgeMs: number } | null> {
    if (!token.startsWith('sl_')) return null;
    const clinicId = await this.links.consume(sha256Hex(token), this.clock.now());
    return clinicId ? this.startSession(clinicId) : null;
  }

  /** A new session of the clinic key (`staffId` null) or of a person. */
  async startSession(
    clinicId: string,
    staffId: string | null = null,
  ): Promise<{ token: string; maxAgeMs: number }> {
    const token = this.secrets.token('cs_');
    const now = this.clock.now();
    await this.sessions.insert(
      clinicId,
      sha256Hex(token),
      now,
      new Date(now.getTime() + SESSION_TTL_MS),
      staffId,
    );
    return { token, maxAgeMs: SESSION_TTL_MS };
  }

  async clinicOf(token: string): Promise<ClinicEntity | null> {
    return this.sessions.findClinic(sha256Hex(token), this.clock.now());
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await this.sessions.delete(sha256Hex(token));
  }
}
