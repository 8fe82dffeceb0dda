import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * MMS: the attachments of an inbound text, `[{ "url": "...", "contentType": "image/jpeg" }]`, as
 * the provider hosts them (kept as links, never fetched). Null on texts without media.
 */
export class InboundMedia1795946100000 implements MigrationInterface {
  name = 'InboundMedia1795946100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN media jsonb`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN media`);
  }
}
