import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Documented opt-in: an upload's `patient.consent` is kept as an opt-in event of source `clinic`
 * (its method in `word`), and `requireConsentEvidence` holds routine texts to patients without an
 * opt-in on record.
 */
export class ConsentEvidence1795946000000 implements MigrationInterface {
  name = 'ConsentEvidence1795946000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE consent_events DROP CONSTRAINT consent_events_source_check`);
    await q.query(`ALTER TABLE consent_events ADD CONSTRAINT consent_events_source_check
      CHECK (source IN ('keyword', 'phrase', 'provider', 'staff', 'clinic'))`);
    await q.query(
      `ALTER TABLE clinics ADD COLUMN require_consent_evidence boolean NOT NULL DEFAULT false`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clinics DROP COLUMN require_consent_evidence`);
    await q.query(`DELETE FROM consent_events WHERE source = 'clinic'`);
    await q.query(`ALTER TABLE consent_events DROP CONSTRAINT consent_events_source_check`);
    await q.query(`ALTER TABLE consent_events ADD CONSTRAINT consent_events_source_check
      CHECK (source IN ('keyword', 'phrase', 'provider', 'staff'))`);
  }
}
