import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Flowroute's webhook path secret is kept like the other secrets: a JSON value,
 * `{ "flowroutePathSecret": "frs_..." }` as given when no CREDENTIALS_KEY is set, or sealed by
 * envelope encryption when one is (CredentialsVault), and re-sealed by
 * `npm run credentials:rotate`. Routing and authentication use only its SHA-256
 * (`flowroute_path_secret_hash`, unchanged); the secret itself is still needed to put the
 * dlr_callback URL on each send. Existing secrets are carried over as they are; the next
 * rotation seals them.
 *
 * The table is rewritten under an exclusive lock: clinics are few, so it takes milliseconds.
 */
export class FlowroutePathSecretSealedAtRest1795870000000 implements MigrationInterface {
  name = 'FlowroutePathSecretSealedAtRest1795870000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE clinics ALTER COLUMN flowroute_path_secret TYPE jsonb
        USING CASE WHEN flowroute_path_secret IS NULL THEN NULL
                   ELSE jsonb_build_object('flowroutePathSecret', flowroute_path_secret) END`);
  }

  public async down(q: QueryRunner): Promise<void> {
    // A sealed secret has no plaintext here, and the column is nullable: refuse rather than lose it.
    const sealed: { n: number }[] = await q.query(
      `SELECT count(*)::int AS n FROM clinics WHERE flowroute_path_secret ? 'sealed'`,
    );
    if (sealed[0].n > 0) {
      throw new Error(
        `${sealed[0].n} Flowroute path secrets are sealed: open them before going down`,
      );
    }
    await q.query(`
      ALTER TABLE clinics ALTER COLUMN flowroute_path_secret TYPE text
        USING flowroute_path_secret ->> 'flowroutePathSecret'`);
  }
}
