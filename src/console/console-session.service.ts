import { Injectable } from '@nestjs/common';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { Secrets, sha256Hex } from '../common/crypto/secrets';
import { ConsoleSessionsRepository } from '../auth/console-sessions.repository';
import { SESSION_TTL_MS } from '../auth/session-cookie';

@Injectable()
export class ConsoleSessionService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
  ) {}

  /** Trades a clinic API key for a session token (null: not a live key); the key is not kept. */
  async signIn(apiKey: string): Promise<{ token: string; maxAgeMs: number } | null> {
    const clinic = apiKey.startsWith('tk_')
      ? await this.keys.findClinicByKeyHash(sha256Hex(apiKey))
      : null;
    if (!clinic) return null;
    const token = this.secrets.token('cs_');
    const now = this.clock.now();
    await this.sessions.insert(
      clinic.id,
      sha256Hex(token),
      now,
      new Date(now.getTime() + SESSION_TTL_MS),
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
