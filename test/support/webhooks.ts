import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { twilioSignature } from '../../src/messaging/providers/twilio-signature';
import { InboxProcessor } from '../../src/webhooks/inbox/inbox-processor.service';
import { appointmentInput, TestClinic } from './factories';
import type { TestApp } from './test-app';

export const PUBLIC_BASE_URL = 'https://turnout.test';

export function twilioSid(prefix = 'SM'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

/** A form body and its X-Twilio-Signature, signed the way Twilio does (official helper). */
export function signedTwilio(
  authToken: string,
  path: string,
  params: Record<string, string>,
): { body: string; signature: string } {
  const signature = twilioSignature(authToken, `${PUBLIC_BASE_URL}${path}`, params);
  return { body: new URLSearchParams(params).toString(), signature };
}

/** Posts `params` to a Twilio webhook `path` of the app `t`, signed, and expects 200. */
export async function postSignedTwilio(
  t: TestApp,
  authToken: string,
  path: string,
  params: Record<string, string>,
): Promise<void> {
  const signed = signedTwilio(authToken, path, params);
  await t.http
    .post(path)
    .type('form')
    .set('X-Twilio-Signature', signed.signature)
    .send(signed.body)
    .expect(200);
}

/** An Ed25519 key pair as the Telnyx portal shows it (base64 raw public key) and a signer. */
export function telnyxKeys(): { publicKey: string; sign(timestamp: string, body: string): string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    publicKey: spki.subarray(spki.length - 32).toString('base64'),
    sign: (timestamp, body) =>
      sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString('base64'),
  };
}

export function processInbox(t: TestApp): Promise<number> {
  return t.app.get(InboxProcessor).drain();
}

export interface InboxRowView {
  id: string;
  kind: string;
  event_key: string;
  payload: Record<string, unknown>;
  processed_at: Date | null;
  failed_at: Date | null;
  /** attempts that ended in an error */
  attempts: number;
  claims: number;
  last_error: string | null;
  run_at: Date;
}

export function inboxRows(t: TestApp, clinicId: string): Promise<InboxRowView[]> {
  return t.ds.query(
    `SELECT id, kind, event_key, payload, processed_at, failed_at, attempts, claims, last_error,
            run_at
     FROM webhook_inbox WHERE clinic_id = $1 ORDER BY id`,
    [clinicId],
  );
}

export interface MessageRowView {
  id: string;
  direction: string;
  body: string;
  status: string;
  patient_id: string | null;
  appointment_id: string | null;
  from_number: string;
  to_number: string;
  provider_message_id: string | null;
  error_code: string | null;
  delivered_at: Date | null;
  segments: number;
}

export function messageRows(t: TestApp, clinicId: string): Promise<MessageRowView[]> {
  return t.ds.query(
    `SELECT id, direction, body, status, patient_id, appointment_id, from_number, to_number,
            provider_message_id, error_code, delivered_at, segments
     FROM messages WHERE clinic_id = $1 ORDER BY created_at, id`,
    [clinicId],
  );
}

/** The patient's texts only: what the inbox stored, without the workflow's answers. */
export async function inboundRows(t: TestApp, clinicId: string): Promise<MessageRowView[]> {
  return (await messageRows(t, clinicId)).filter((m) => m.direction === 'inbound');
}

export async function createAppointment(
  t: TestApp,
  c: TestClinic,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; patientId: string; phone: string }> {
  const res = await t.http.post('/v1/appointments').set(c.auth).send(appointmentInput(overrides));
  if (res.status !== 201) throw new Error(`appointment: ${res.status} ${JSON.stringify(res.body)}`);
  const rows: { patient_id: string }[] = await t.ds.query(
    'SELECT patient_id FROM appointments WHERE id = $1',
    [res.body.id],
  );
  return { id: res.body.id, patientId: rows[0].patient_id, phone: res.body.patient.phone };
}

/**
 * What the dispatcher leaves behind after a provider accepted a reminder: the outbound message
 * with the provider's id, and the appointment's first reminder `sent` and linked to it.
 */
export async function sentReminder(
  t: TestApp,
  clinic: { id: string; senderNumber: string; providerType: string },
  appointment: { id: string; patientId: string; phone: string },
  providerMessageId: string,
  sentAt = '2026-11-26T14:00:00Z',
): Promise<{ messageId: string; reminderId: string }> {
  const [message]: { id: string }[] = await t.ds.query(
    `INSERT INTO messages (clinic_id, patient_id, appointment_id, direction, kind, body, status,
       segments, from_number, to_number, provider_type, provider_message_id, created_at, sent_at)
     VALUES ($1, $2, $3, 'outbound', 'reminder', 'Reminder: Tue Dec 1 9:30. Reply C/R/X',
       'queued', 1, $4, $5, $6, $7, $8, $8)
     RETURNING id`,
    [
      clinic.id,
      appointment.patientId,
      appointment.id,
      clinic.senderNumber,
      appointment.phone,
      clinic.providerType,
      providerMessageId,
      sentAt,
    ],
  );
  const [reminders]: [{ id: string }[], number] = await t.ds.query(
    `UPDATE reminders SET status = 'sent', sent_at = $2, message_id = $3
     WHERE id = (SELECT id FROM reminders WHERE appointment_id = $1 ORDER BY due_at LIMIT 1)
     RETURNING id`,
    [appointment.id, sentAt, message.id],
  );
  return { messageId: message.id, reminderId: reminders[0].id };
}

/**
 * An appointment whose first reminder the fake provider accepted from `senderNumber`: the
 * starting point of every reply test.
 */
export async function remindedAppointment(
  t: TestApp,
  c: TestClinic,
  senderNumber: string,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; patientId: string; phone: string }> {
  const appointment = await createAppointment(t, c, overrides);
  await sentReminder(t, { id: c.id, senderNumber, providerType: 'fake' }, appointment, twilioSid());
  return appointment;
}

export async function reminderStatus(
  t: TestApp,
  reminderId: string,
): Promise<{ status: string; reason: string | null }> {
  const rows: { status: string; reason: string | null }[] = await t.ds.query(
    'SELECT status, reason FROM reminders WHERE id = $1',
    [reminderId],
  );
  return rows[0];
}

export async function patientConsent(
  t: TestApp,
  clinicId: string,
  phone: string,
): Promise<
  | { opted_out_at: Date | null; opt_out_source: string | null; opt_out_detail: string | null }
  | undefined
> {
  const rows = await t.ds.query(
    `SELECT opted_out_at, opt_out_source, opt_out_detail FROM patients
     WHERE clinic_id = $1 AND phone = $2`,
    [clinicId, phone],
  );
  return rows[0];
}
