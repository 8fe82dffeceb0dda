import { OutboundDispatcher } from '../../src/outbound/outbound-dispatcher.service';
import type { TestClinic } from './factories';
import { appointmentInput } from './factories';
import type { TestApp } from './test-app';

export interface ReminderRow {
  id: string;
  offset: string;
  status: string;
  due_at: Date;
  run_at: Date;
  attempts: number;
  reason: string | null;
  sent_at: Date | null;
  leased_by: string | null;
  message_id: string | null;
}

export interface MessageRow {
  id: string;
  body: string;
  status: string;
  to_number: string;
  provider_message_id: string | null;
  error_code: string | null;
  segments: number;
}

export function dispatcherOf(t: TestApp): OutboundDispatcher {
  return t.app.get(OutboundDispatcher);
}

/** Uploads one appointment through the API and returns its id. */
export async function upload(
  t: TestApp,
  clinic: TestClinic,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; body: Record<string, unknown> }> {
  const res = await t.http
    .post('/v1/appointments')
    .set(clinic.auth)
    .send(appointmentInput(overrides));
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, body: res.body as Record<string, unknown> };
}

export async function remindersOf(t: TestApp, appointmentId: string): Promise<ReminderRow[]> {
  return t.ds.query(
    `SELECT id, "offset", status, due_at, run_at, attempts, reason, sent_at, leased_by, message_id
     FROM reminders WHERE appointment_id = $1 ORDER BY due_at, "offset"`,
    [appointmentId],
  );
}

export async function messagesOf(t: TestApp, appointmentId: string): Promise<MessageRow[]> {
  return t.ds.query(
    `SELECT id, body, status, to_number, provider_message_id, error_code, segments
     FROM messages WHERE appointment_id = $1 AND direction = 'outbound' ORDER BY created_at, id`,
    [appointmentId],
  );
}
