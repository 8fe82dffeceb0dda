import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { APPOINTMENT_STATUSES, FREED_STATUSES } from '../../src/appointments/appointment.machine';
import { appointmentInput, createClinic, TestClinic } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The schema under the reply path (1795830000000-AppointmentConfirmationsStayHeapOnly,
 * 1795830100000-RedundantClinicKeys, 1795830300000-ProviderIdsIndexedOnceKnown,
 * 1795830400000-SlotBookingsIndexedOnceBooked): a confirmation updates the appointment
 * heap-only, the overlap constraint and the no-show sweep's index still cover exactly the
 * statuses they did, a clinic's rows that lost their direct key to it still exist only with it
 * and go with it, and the partial unique indexes keep the uniqueness the full ones gave.
 */
describe('reply write path schema', () => {
  let t: TestApp;
  let c: TestClinic;

  beforeAll(async () => {
    t = await startTestApp({ now: '2026-11-20T12:00:00Z' });
    c = await createClinic(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  async function book(overrides: Record<string, unknown> = {}): Promise<string> {
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput(overrides))
      .expect(201);
    return res.body.id as string;
  }

  it('confirms heap-only; a cancellation, which frees the time, is an ordinary update', async () => {
    const id = await book();
    const runner = t.ds.createQueryRunner();
    await runner.connect();
    const hot = async () =>
      Number(
        (
          await runner.query(
            `SELECT pg_stat_get_xact_tuples_hot_updated('appointments'::regclass) AS n`,
          )
        )[0].n,
      );
    try {
      await runner.startTransaction();
      // as the reply path writes it: the same times, a new status, version and fact
      await runner.query(
        `UPDATE appointments SET status = 'confirmed', starts_at = starts_at, ends_at = ends_at,
                version = version + 1, updated_at = now(), confirmed_by_text = true
         WHERE id = $1`,
        [id],
      );
      expect(await hot()).toBe(1);
      await runner.query(`UPDATE appointments SET status = 'cancelled' WHERE id = $1`, [id]);
      expect(await hot()).toBe(1);
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('stores occupies_time and no_show_candidate as FREED_STATUSES and the sweep define them', async () => {
    const id = await book();
    for (const status of APPOINTMENT_STATUSES) {
      await t.ds.query(`UPDATE appointments SET status = $2 WHERE id = $1`, [id, status]);
      const [row] = await t.ds.query(
        `SELECT occupies_time, no_show_candidate FROM appointments WHERE id = $1`,
        [id],
      );
      expect({ status, ...row }).toEqual({
        status,
        occupies_time: !FREED_STATUSES.includes(status),
        no_show_candidate: status === 'scheduled' || status === 'confirmed',
      });
    }
  });

  it('refuses an overlap with a confirmed appointment, not with a cancelled or no-show one', async () => {
    const practitioner = `Dr. ${randomUUID().slice(0, 8)}`;
    const at = { practitioner, startsAt: '2026-12-07T10:00:00-06:00', durationMinutes: 30 };
    const first = await book(at);
    await t.ds.query(`UPDATE appointments SET status = 'confirmed' WHERE id = $1`, [first]);
    await t.http.post('/v1/appointments').set(c.auth).send(appointmentInput(at)).expect(409);
    await t.ds.query(`UPDATE appointments SET status = 'no_show' WHERE id = $1`, [first]);
    const second = await book(at);
    await t.ds.query(`UPDATE appointments SET status = 'cancelled' WHERE id = $1`, [second]);
    await book(at);
    // and back to live over a live one: refused by the constraint itself
    await expect(
      t.ds.query(`UPDATE appointments SET status = 'scheduled' WHERE id = $1`, [first]),
    ).rejects.toMatchObject({ driverError: { code: '23P01' } });
  });

  it('keeps conversations, consent events and reminders to their clinic, and deletes them with it', async () => {
    const other = await createClinic(t);
    const gone = await createClinic(t);
    const phone = '+13125550199';
    const res = await t.http
      .post('/v1/appointments')
      .set(gone.auth)
      .send(
        appointmentInput({ patient: { name: 'P', phone }, startsAt: '2026-12-10T10:00:00-06:00' }),
      )
      .expect(201);
    const [appointment] = await t.ds.query(
      `SELECT id, patient_id FROM appointments WHERE id = $1`,
      [res.body.id],
    );
    const reminders = await t.ds.query(`SELECT 1 FROM reminders WHERE appointment_id = $1`, [
      appointment.id,
    ]);
    expect(reminders.length).toBeGreaterThan(0);
    await t.ds.query(
      `INSERT INTO conversations (clinic_id, patient_phone, patient_id, last_message_at)
       VALUES ($1, $2, $3, now())`,
      [gone.id, phone, appointment.patient_id],
    );
    await t.ds.query(
      `INSERT INTO consent_events (clinic_id, patient_id, sender_number, action, source, at)
       VALUES ($1, $2, '+13125550100', 'opt_out', 'staff', now())`,
      [gone.id, appointment.patient_id],
    );
    // another clinic's id with this clinic's patient or appointment: refused
    const foreignKey = { driverError: { code: '23503' } };
    await expect(
      t.ds.query(
        `INSERT INTO conversations (clinic_id, patient_phone, patient_id, last_message_at)
         VALUES ($1, $2, $3, now())`,
        [other.id, phone, appointment.patient_id],
      ),
    ).rejects.toMatchObject(foreignKey);
    await expect(
      t.ds.query(
        `INSERT INTO consent_events (clinic_id, patient_id, sender_number, action, source, at)
         VALUES ($1, $2, '+13125550100', 'opt_in', 'staff', now())`,
        [randomUUID(), appointment.patient_id],
      ),
    ).rejects.toMatchObject(foreignKey);
    await expect(
      t.ds.query(
        `INSERT INTO reminders (clinic_id, appointment_id, "offset", planned_for, due_at, status,
           run_at)
         VALUES ($1, $2, 'PT1H', now(), now(), 'pending', now())`,
        [other.id, appointment.id],
      ),
    ).rejects.toMatchObject(foreignKey);

    await t.ds.query(`DELETE FROM clinics WHERE id = $1`, [gone.id]);
    const [left] = await t.ds.query(
      `SELECT (SELECT count(*) FROM conversations WHERE clinic_id = $1)::int AS conversations,
              (SELECT count(*) FROM consent_events WHERE clinic_id = $1)::int AS consent,
              (SELECT count(*) FROM reminders WHERE clinic_id = $1)::int AS reminders`,
      [gone.id],
    );
    expect(left).toEqual({ conversations: 0, consent: 0, reminders: 0 });
  });

  it('keeps provider message ids unique once known, and any number of unknown ones', async () => {
    const insert = (providerId: string | null) =>
      t.ds.query(
        `INSERT INTO messages (clinic_id, direction, kind, body, status, from_number, to_number,
           provider_type, provider_message_id, created_at)
         VALUES ($1, 'outbound', 'workflow_reply', 'x', 'pending', '+13125550100', '+13125550101',
                 'fake', $2, now())`,
        [c.id, providerId],
      );
    await insert(null);
    await insert(null);
    const known = `SM${randomUUID()}`;
    await insert(known);
    await expect(insert(known)).rejects.toMatchObject({ driverError: { code: '23505' } });
  });

  it('lets an appointment book one slot at commit: a move within a transaction, not two', async () => {
    const id = await book();
    const slots: { id: string }[] = await t.ds.query(
      `INSERT INTO slots (clinic_id, practitioner, starts_at, ends_at, duration_minutes)
       SELECT $1, 'Dr. Slots', g, g + interval '30 minutes', 30
       FROM generate_series(timestamptz '2026-12-20T15:00:00Z', '2026-12-20T16:00:00Z',
                            interval '1 hour') g
       RETURNING id`,
      [c.id],
    );
    const bookSlot = (m: EntityManager, slot: string) =>
      m.query(`UPDATE slots SET booked_appointment_id = $2, booked_at = now() WHERE id = $1`, [
        slot,
        id,
      ]);
    await t.ds.transaction(async (m) => {
      await bookSlot(m, slots[0].id);
      await bookSlot(m, slots[1].id);
      await m.query(
        `UPDATE slots SET booked_appointment_id = NULL, booked_at = NULL WHERE id = $1`,
        [slots[0].id],
      );
    });
    await expect(t.ds.transaction((m) => bookSlot(m, slots[0].id))).rejects.toMatchObject({
      driverError: { code: '23P01', constraint: 'slots_booked_once' },
    });
    const booked = await t.ds.query(`SELECT id FROM slots WHERE booked_appointment_id = $1`, [id]);
    expect(booked).toEqual([{ id: slots[1].id }]);
  });
});
