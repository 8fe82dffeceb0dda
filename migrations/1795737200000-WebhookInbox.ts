import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhook inbox: every provider event is stored here before it is acknowledged and processed
 * afterwards, so a crash after the 200 loses nothing and a retried delivery is a no-op.
 */
export class WebhookInbox1795737200000 implements MigrationInterface {
  name = 'WebhookInbox1795737200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_inbox (
        id bigserial PRIMARY KEY,
        provider_type text NOT NULL
          CHECK (provider_type IN ('twilio', 'flowroute', 'telnyx', 'fake')),
        kind text NOT NULL CHECK (kind IN ('inbound', 'status')),
        -- The provider's message id for inbound messages; message id and status for status
        -- callbacks, because one message legitimately gets one callback per status.
        event_key text NOT NULL CHECK (length(event_key) BETWEEN 1 AND 400),
        clinic_id uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
        -- Events sharing a conversation (a patient's texts to a clinic) are processed in the
        -- order they were received; NULL where order does not matter (status is forward-only).
        conversation text,
        -- The parsed, normalised event: never credentials.
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL,
        run_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        lease_until timestamptz,
        processed_at timestamptz,
        failed_at timestamptz,
        last_error text,
        CONSTRAINT webhook_inbox_event_once UNIQUE (provider_type, kind, event_key),
        CONSTRAINT webhook_inbox_settled_once CHECK (processed_at IS NULL OR failed_at IS NULL)
      )`);
    // The claim path: due events still to do. Processed rows drop out of the index.
    await q.query(
      `CREATE INDEX webhook_inbox_due ON webhook_inbox (run_at, id)
       WHERE processed_at IS NULL AND failed_at IS NULL`,
    );
    // "Is an earlier event of this conversation still open?", asked for every candidate.
    await q.query(
      `CREATE INDEX webhook_inbox_open_conversation ON webhook_inbox (clinic_id, conversation, id)
       WHERE processed_at IS NULL AND failed_at IS NULL AND conversation IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX webhook_inbox_processed ON webhook_inbox (processed_at)
       WHERE processed_at IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_inbox`);
  }
}
