import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The clinic's webhook secret (it signs calendar write-back) is kept like the provider
 * credentials: a JSON value, `{ "webhookSecret": "whsec_..." }` as given when no
 * CREDENTIALS_KEY is set, or sealed by envelope encryption when one is (CredentialsVault), and
 * re-sealed by `npm run credentials:rotate`. Existing secrets are carried over as they are;
 * the next rotation seals them.
 *
 * The table is rewritten under an exclusive lock: clinics are few, so it takes milliseconds.
 */
export class WebhookSecretSealedAtRest1795860000000 implements MigrationInterface {
  name = 'WebhookSecretSealedAtRest1795860000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE clinics ALTER COLUMN webhook_secret TYPE jsonb
        USING jsonb_build_object('webhookSecret', webhook_secret)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    // A sealed secret has no plaintext here: down then fails on NOT NULL rather than lose it.
    await q.query(`
      ALTER TABLE clinics ALTER COLUMN webhook_secret TYPE text
        USING webhook_secret ->> 'webhookSecret'`);
  }
}
