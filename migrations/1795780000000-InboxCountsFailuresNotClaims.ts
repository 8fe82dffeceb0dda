import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhook inbox counted `attempts` per claim, so an event whose claimers were killed 8 times
 * went dead without ever failing. `attempts` now counts failures (an attempt that ended in an
 * error) and `claims` counts claims; a claim that ended in neither an outcome nor an error (its
 * processor died) is `claims - attempts` minus the current one, bounded on its own
 * (InboxProcessor). Open events keep what they had: their past claims as claims, and as
 * failures, since which claims failed was not recorded.
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
        'attempts that ended in an error (8: dead); claims lost to a dead processor are not counted'`);
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
