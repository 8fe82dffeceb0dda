import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The report's fact triggers (1795741000000-NoShowReport, 1795744000000-RollupTriggersOnTheSendPath)
 * run an UPDATE of appointments only when it has something to write.
 *
 * An UPDATE statement fires the appointments' statement triggers even when it matches no row,
 * so each of them paid for the rollup's trigger too:
 * - `appointment_text_facts`, a statement trigger on every insert into the history, updated the
 *   appointments its patient replies imply facts for. The reply path sets those facts in its
 *   own update of the appointment already (AppointmentsRepository.updateStatusAndTime), so the
 *   trigger's UPDATE matched nothing, on every history row of every kind. It is now a row
 *   trigger whose WHEN clause only lets the patient's replies in (an upload's or a staff
 *   change's history costs nothing), and which updates only when a fact is still unset.
 * - `reminder_reached_fact` ran its UPDATE for every statement on reminders: a claim, a lease,
 *   a cancellation, a replan. It now first looks for reminders entering or leaving
 *   sent/delivered, and for a no-show among their appointments (the only rows whose fact is
 *   kept), and updates only then.
 * Both keep their meaning: the same facts, set by the same rules.
 */

const REACHED = `('sent', 'delivered')`;
const REPLIES = `('REPLY_CONFIRM', 'REPLY_SLOT', 'REPLY_CANCEL')`;

export class FactTriggersWriteOnlyWhatChanged1795810100000 implements MigrationInterface {
  name = 'FactTriggersWriteOnlyWhatChanged1795810100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION appointment_text_fact() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        confirmed boolean := NEW.event IN ('REPLY_CONFIRM', 'REPLY_SLOT');
        rescheduled boolean := NEW.event = 'REPLY_SLOT';
        cancelled boolean := NEW.event = 'REPLY_CANCEL';
      BEGIN
        IF EXISTS (
          SELECT 1 FROM appointments a
          WHERE a.id = NEW.appointment_id
            AND ((confirmed AND NOT a.confirmed_by_text)
              OR (rescheduled AND NOT a.rescheduled_by_text)
              OR (cancelled AND NOT a.cancelled_by_text))
        ) THEN
          UPDATE appointments a SET
            confirmed_by_text = a.confirmed_by_text OR confirmed,
            rescheduled_by_text = a.rescheduled_by_text OR rescheduled,
            cancelled_by_text = a.cancelled_by_text OR cancelled
          WHERE a.id = NEW.appointment_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`DROP TRIGGER appointment_events_text_facts ON appointment_events`);
    await q.query(`
      CREATE TRIGGER appointment_events_text_facts AFTER INSERT ON appointment_events
        FOR EACH ROW WHEN (NEW.source = 'patient' AND NEW.event IN ${REPLIES})
        EXECUTE FUNCTION appointment_text_fact()`);

    await q.query(`
      CREATE FUNCTION reminder_reached_no_show() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        touched uuid[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
          touched := ARRAY(SELECT appointment_id FROM new_reminders WHERE status IN ${REACHED});
        ELSIF TG_OP = 'UPDATE' THEN
          touched := ARRAY(SELECT appointment_id FROM new_reminders WHERE status IN ${REACHED}
                           UNION SELECT appointment_id FROM old_reminders
                           WHERE status IN ${REACHED});
        ELSE
          touched := ARRAY(SELECT appointment_id FROM old_reminders WHERE status IN ${REACHED});
        END IF;
        IF cardinality(touched) = 0 OR NOT EXISTS (
          SELECT 1 FROM appointments WHERE id = ANY (touched) AND status = 'no_show'
        ) THEN
          RETURN NULL;
        END IF;
        UPDATE appointments a SET reminder_reached = NOT a.reminder_reached
        WHERE a.id = ANY (touched) AND a.status = 'no_show'
          AND a.reminder_reached <> EXISTS (
            SELECT 1 FROM reminders r
            WHERE r.appointment_id = a.id AND r.status IN ${REACHED});
        RETURN NULL;
      END $$`);
    await rebindReminders(q, 'reminder_reached_no_show');
  }

  public async down(q: QueryRunner): Promise<void> {
    await rebindReminders(q, 'reminder_reached_fact');
    await q.query(`DROP FUNCTION reminder_reached_no_show()`);
    await q.query(`DROP TRIGGER appointment_events_text_facts ON appointment_events`);
    await q.query(`
      CREATE TRIGGER appointment_events_text_facts AFTER INSERT ON appointment_events
        REFERENCING NEW TABLE AS new_events
        FOR EACH STATEMENT EXECUTE FUNCTION appointment_text_facts()`);
    await q.query(`DROP FUNCTION appointment_text_fact()`);
  }
}

/** The reminders' triggers of 1795741000000-NoShowReport, on `fn`. */
async function rebindReminders(q: QueryRunner, fn: string): Promise<void> {
  const tables = {
    insert: 'NEW TABLE AS new_reminders',
    update: 'OLD TABLE AS old_reminders NEW TABLE AS new_reminders',
    delete: 'OLD TABLE AS old_reminders',
  };
  for (const [op, referencing] of Object.entries(tables)) {
    await q.query(`DROP TRIGGER reminders_reached_${op} ON reminders`);
    await q.query(`
      CREATE TRIGGER reminders_reached_${op} AFTER ${op.toUpperCase()} ON reminders
        REFERENCING ${referencing}
        FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
  }
}
