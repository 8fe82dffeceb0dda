import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * messages (provider_type, provider_message_id) stays unique, indexed only once the provider's
 * id is known.
 *
 * An outbound text has no provider id until its send is recorded, yet the unique constraint put
 * an entry (provider_type, NULL) into its index for the row's insert and again for each ordinary
 * update before the send (the pipeline's lease): two index entries per answer that no query can
 * find (NULLs are distinct, so they never conflicted either). The partial unique index holds the
 * same rows any lookup by provider id can reach (`provider_message_id = $2` implies NOT NULL), and
 * the same uniqueness. The inbound insert names its predicate to pick it as the arbiter
 * (InboxEffectsRepository.insertInbound). An instance of the previous version still running
 * during a deploy fails its inbound inserts (no constraint matches its ON CONFLICT) and retries
 * them with the inbox's backoff; nothing is lost or doubled.
 */
export class ProviderIdsIndexedOnceKnown1795830300000 implements MigrationInterface {
  name = 'ProviderIdsIndexedOnceKnown1795830300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNIQUE INDEX messages_provider_id_known ON messages (provider_type, provider_message_id)
      WHERE provider_message_id IS NOT NULL`);
    await q.query(`ALTER TABLE messages DROP CONSTRAINT messages_provider_id_unique`);
    await q.query(`ALTER INDEX messages_provider_id_known RENAME TO messages_provider_id_unique`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX messages_provider_id_unique RENAME TO messages_provider_id_known`);
    await q.query(`
      ALTER TABLE messages ADD CONSTRAINT messages_provider_id_unique
        UNIQUE (provider_type, provider_message_id)`);
    await q.query(`DROP INDEX messages_provider_id_known`);
  }
}
