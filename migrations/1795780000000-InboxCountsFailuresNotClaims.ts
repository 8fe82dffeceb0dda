import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhook inbox counted `attempts` per claim, so an event whose claimers were killed 8 times
 * went dead at its first error without having failed before. `claims` now counts claims, and
 * `attempts` only attempts: one that ended in an error, or one run alone after a processor died
 * holding the event, counted before it runs (InboxProcessor). Open events keep what they had:
 * their past claims as claims, and as attempts, since which claims failed was not recorded.
 */
export class InboxCountsFailuresNotClaims1795780000000 implements MigrationInterface {
  name = 'InboxCountsFailuresNotClaims1795780000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_inbox ADD COLUMN claims integer NOT NULL DEFAULT 0 CHECK (claims >= 0)`,
    );
    await q.query(`UPDATE webhook_inbox SET claims = attempts WHERE attempts > 0`);
    await q.query(`
      COMMENT ON COLUMN webhook_inbox.attempts IS
        'attempts: ended in an error, or run alone and counted first (8: dead); not claims'`);
    await q.query(`
      COMMENT ON COLUMN webhook_inbox.claims IS 'times claimed, whatever came of it'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    // Claims were what attempts counted.
    await q.query(`UPDATE webhook_inbox SET attempts = claims WHERE claims > attempts`);
    await q.query(`COMMENT ON COLUMN webhook_inbox.attempts IS NULL`);
    await q.query(`ALTER TABLE webhook_inbox DROP COLUMN claims`);
  }
}
