import { ConversationsRepository } from '../../src/conversations/conversations.repository';
import type { TestClinic } from './factories';
import type { TestApp } from './test-app';
import { processInbox } from './webhooks';

/** A patient's text through the fake provider's inbound path, then the inbox processed. */
export async function reply(t: TestApp, c: TestClinic, from: string, body: string): Promise<void> {
  await send(t, c, from, body);
  await processInbox(t);
}

/** Only injects the text (the inbox is left for the caller to process). */
export async function send(t: TestApp, c: TestClinic, from: string, body: string): Promise<void> {
  const res = await t.http.post('/v1/simulator/inbound').set(c.auth).send({ from, body });
  if (res.status !== 202) throw new Error(`inbound: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface AnswerRow {
  body: string;
  kind: string;
  status: string;
  appointment_id: string | null;
  segments: number;
  encoding: string;
}

/** The workflow's answers and staff replies to this number, oldest first. */
export function answersTo(t: TestApp, clinicId: string, phone: string): Promise<AnswerRow[]> {
  return t.ds.query(
    `SELECT body, kind, status, appointment_id, segments, encoding FROM messages
     WHERE clinic_id = $1 AND to_number = $2 AND direction = 'outbound'
       AND kind IN ('workflow_reply', 'staff')
     ORDER BY created_at, id`,
    [clinicId, phone],
  );
}

export interface DeliveryRowView {
  id: string;
  type: string;
  status: string;
  body: string;
  appointment_id: string;
  attempts: number;
}

export function deliveriesOf(t: TestApp, appointmentId: string): Promise<DeliveryRowView[]> {
  return t.ds.query(
    `SELECT id, type, status, body, appointment_id, attempts FROM calendar_deliveries
     WHERE appointment_id = $1 ORDER BY seq`,
    [appointmentId],
  );
}

export async function statusOf(t: TestApp, appointmentId: string): Promise<string> {
  const rows: { status: string }[] = await t.ds.query(
    'SELECT status FROM appointments WHERE id = $1',
    [appointmentId],
  );
  return rows[0].status;
}

/** Open slots uploaded through the API; returns their ids in input order. */
export async function uploadSlots(
  t: TestApp,
  c: TestClinic,
  practitioner: string,
  startsAt: string[],
): Promise<string[]> {
  const res = await t.http
    .post('/v1/slots/batch')
    .set(c.auth)
    .send({ slots: startsAt.map((s) => ({ practitioner, startsAt: s, durationMinutes: 30 })) })
    .expect(200);
  return (res.body.results as { id: string }[]).map((r) => r.id);
}

export function conversationsOf(t: TestApp): ConversationsRepository {
  return t.app.get(ConversationsRepository);
}
