import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface PasskeyRow {
  id: string;
  staff_id: string;
  clinic_id: string;
  name: string;
  credential_id: string;
  public_key: Buffer;
  counter: string;
  transports: string[];
}

export type ChallengePurpose = 'register' | 'sign_in';

@Injectable()
export class PasskeysRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a challenge's hash; expired challenges are cleared on the way. */
  async insertChallenge(
    challengeHash: string,
    purpose: ChallengePurpose,
    linkHash: string | null,
    now: Date,
    expiresAt: Date,
  ): Promise<void> {
    await this.ds.query(
      `WITH expired AS (DELETE FROM webauthn_challenges WHERE expires_at <= $4)
       INSERT INTO webauthn_challenges (challenge_hash, purpose, link_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [challengeHash, purpose, linkHash, now, expiresAt],
    );
  }

  /** Uses up a live challenge of that purpose (and link); true when there was one. Once. */
  async consumeChallenge(
    challengeHash: string,
    purpose: ChallengePurpose,
    linkHash: string | null,
    now: Date,
  ): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.ds.query(
      `DELETE FROM webauthn_challenges
       WHERE challenge_hash = $1 AND purpose = $2 AND link_hash IS NOT DISTINCT FROM $3
         AND expires_at > $4
       RETURNING 1`,
      [challengeHash, purpose, linkHash, now],
    );
    return rows.length === 1;
  }

  async credentialIdsOf(staffId: string): Promise<string[]> {
    const rows: { credential_id: string }[] = await this.ds.query(
      `SELECT credential_id FROM staff_passkeys WHERE staff_id = $1`,
      [staffId],
    );
    return rows.map((r) => r.credential_id);
  }

  async insert(
    manager: EntityManager,
    staffId: string,
    credential: { id: string; publicKey: Uint8Array; counter: number; transports: string[] },
    now: Date,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO staff_passkeys (staff_id, credential_id, public_key, counter, transports, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        staffId,
        credential.id,
        Buffer.from(credential.publicKey),
        credential.counter,
        credential.transports,
        now,
      ],
    );
  }

  /** An active person's passkey, by its credential id. */
  async findActive(credentialId: string): Promise<PasskeyRow | null> {
    const rows: PasskeyRow[] = await this.ds.query(
      `SELECT k.id, k.staff_id, u.clinic_id, u.name, k.credential_id, k.public_key,
              k.counter::text AS counter, k.transports
       FROM staff_passkeys k JOIN staff_users u ON u.id = k.staff_id
       WHERE k.credential_id = $1 AND u.active`,
      [credentialId],
    );
    return rows[0] ?? null;
  }

  async recordUse(manager: EntityManager, id: string, counter: number, now: Date): Promise<void> {
    await manager.query(`UPDATE staff_passkeys SET counter = $2, last_used_at = $3 WHERE id = $1`, [
      id,
      counter,
      now,
    ]);
  }
}
