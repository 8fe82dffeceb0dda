import {
  appointmentInput,
  createClinic,
  TestClinic,
  uniqueId,
  uniquePhone,
} from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

describe('appointments', () => {
  let t: TestApp;
  let c: TestClinic;
  beforeAll(async () => {
    t = await startTestApp();
    c = await createClinic(t);
  });
  afterAll(() => t.close());

  it('upserts idempotently by externalId: 201 created, 200 unchanged, 200 updated', async () => {
    const input = appointmentInput({
      patient: { name: 'Ana Diaz', phone: '(312) 555-0123', language: 'es' },
    });
    const created = await t.http.post('/v1/appointments').set(c.auth).send(input).expect(201);
    expect(created.body).toMatchObject({
      outcome: 'created',
      externalId: input.externalId,
      status: 'scheduled',
      startsAt: '2026-12-01T15:30:00.000Z',
      endsAt: '2026-12-01T16:00:00.000Z',
      patient: { name: 'Ana Diaz', phone: '+13125550123', language: 'es', optedOut: false },
    });
    const again = await t.http.post('/v1/appointments').set(c.auth).send(input).expect(200);
    expect(again.body).toMatchObject({ outcome: 'unchanged', id: created.body.id });

    const moved = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({ ...input, startsAt: '2026-12-02T10:00:00-06:00' })
      .expect(200);
    expect(moved.body).toMatchObject({
      outcome: 'updated',
      id: created.body.id,
      startsAt: '2026-12-02T16:00:00.000Z',
    });
    expect(moved.body.history.map((h: { event: string }) => h.event)).toEqual([
      'CREATED',
      'IMPORT_RESCHEDULE',
    ]);

    const list = await t.http
      .get('/v1/appointments')
      .query({ externalId: input.externalId })
      .set(c.auth)
      .expect(200);
    expect(list.body.items).toHaveLength(1);
  });

  it('reads a wall time without offset in the clinic zone, and refuses one skipped by DST', async () => {
    const ok = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ startsAt: '2027-03-14T09:00:00' }))
      .expect(201);
    expect(ok.body.startsAt).toBe('2027-03-14T14:00:00.000Z'); // CDT, UTC-5

    const gap = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ startsAt: '2027-03-14T02:30:00' }))
      .expect(400);
    expect(gap.body.message.join(' ')).toMatch(/does not exist/);

    const ambiguous = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ startsAt: '2026-11-01T01:30:00' }))
      .expect(201);
    expect(ambiguous.body.startsAt).toBe('2026-11-01T06:30:00.000Z'); // the earlier, CDT instant
  });

  it('processes a batch mixing valid and invalid items without one blocking the others', async () => {
    const good1 = appointmentInput();
    const good2 = appointmentInput();
    const res = await t.http
      .post('/v1/appointments/batch')
      .set(c.auth)
      .send({
        appointments: [
          good1,
          appointmentInput({ patient: { phone: 'not a phone' } }),
          good2,
          appointmentInput({ startsAt: 'tomorrow' }),
          'just a string',
          { ...good1 },
          appointmentInput({ surprise: true }),
        ],
      })
      .expect(200);
    const r = res.body.results;
    expect(r.map((x: { outcome: string }) => x.outcome)).toEqual([
      'created',
      'error',
      'created',
      'error',
      'error',
      'error',
      'error',
    ]);
    expect(r[1].errors).toEqual(['patient.phone must be a valid phone number']);
    expect(r[3].errors.join(' ')).toContain('startsAt');
    expect(r[4].errors).toEqual(['item must be a JSON object']);
    expect(r[5].errors.join(' ')).toContain('already appears at index 0');
    expect(r[6].errors).toEqual(['property surprise should not exist']);
    await t.http.get(`/v1/appointments/${r[0].id}`).set(c.auth).expect(200);
    await t.http.get(`/v1/appointments/${r[2].id}`).set(c.auth).expect(200);

    const again = await t.http
      .post('/v1/appointments/batch')
      .set(c.auth)
      .send({ appointments: [good1, good2] });
    expect(again.body.results.map((x: { outcome: string }) => x.outcome)).toEqual([
      'unchanged',
      'unchanged',
    ]);
  });

  it('refuses a batch over 5,000 items, naming the limit', async () => {
    const items = Array.from({ length: 5001 }, () => ({}));
    const res = await t.http
      .post('/v1/appointments/batch')
      .set(c.auth)
      .send({ appointments: items })
      .expect(400);
    expect(res.body.message.join(' ')).toContain(
      'appointments must contain no more than 5000 elements',
    );
  });

  it('takes a full batch of 5,000 with every field filled, well inside the body limit', async () => {
    const own = await createClinic(t);
    const items = Array.from({ length: 5000 }, (_, i) =>
      appointmentInput({
        externalId: `FULL-${i}`,
        patient: {
          name: `Patient ${'with a long name '.repeat(4)}${i}`,
          phone: uniquePhone(),
          language: i % 2 ? 'es' : 'en',
          timezone: 'America/Chicago',
        },
        practitioner: `Dr. ${i % 400}`,
        location: 'Main St, Suite 400, second floor',
        type: 'hygiene visit with x-rays',
        startsAt: `2027-01-${String(4 + Math.floor((i % 400) / 20)).padStart(2, '0')}T${String(8 + Math.floor(i / 400)).padStart(2, '0')}:${String((i % 20) * 3).padStart(2, '0')}:00`,
        durationMinutes: 3,
      }),
    );
    const res = await t.http
      .post('/v1/appointments/batch')
      .set(own.auth)
      .send({ appointments: items })
      .expect(200);
    expect(res.body.results).toHaveLength(5000);
    expect(res.body.results.filter((r: { outcome: string }) => r.outcome !== 'created')).toEqual(
      [],
    );
  });

  it('lets the database refuse overlapping live appointments for one practitioner (409)', async () => {
    const practitioner = `Dr. ${uniqueId('P')}`;
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(
        appointmentInput({
          practitioner,
          startsAt: '2026-12-03T10:00:00-06:00',
          durationMinutes: 30,
        }),
      )
      .expect(201);
    const clash = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ practitioner, startsAt: '2026-12-03T10:15:00-06:00' }))
      .expect(409);
    expect(clash.body.message).toEqual([
      'practitioner already has an appointment overlapping that time',
    ]);
    // back to back is fine, and so is a cancelled one on top
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ practitioner, startsAt: '2026-12-03T10:30:00-06:00' }))
      .expect(201);
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(
        appointmentInput({
          practitioner,
          startsAt: '2026-12-03T10:00:00-06:00',
          status: 'cancelled',
        }),
      )
      .expect(201);
    // in a batch only the clashing row fails
    const batch = await t.http
      .post('/v1/appointments/batch')
      .set(c.auth)
      .send({
        appointments: [
          appointmentInput({ practitioner, startsAt: '2026-12-03T11:00:00-06:00' }),
          appointmentInput({ practitioner, startsAt: '2026-12-03T10:10:00-06:00' }),
        ],
      })
      .expect(200);
    expect(batch.body.results.map((x: { outcome: string }) => x.outcome)).toEqual([
      'created',
      'error',
    ]);
    expect(batch.body.results[1].errors[0]).toContain('overlapping');
  });

  it('checks staff moves against the workflow and names the current status on a 409', async () => {
    const a = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput())
      .expect(201);
    const arrived = await t.http
      .patch(`/v1/appointments/${a.body.id}`)
      .set(c.auth)
      .send({ status: 'arrived' })
      .expect(200);
    expect(arrived.body.status).toBe('arrived');
    expect(arrived.body.reminders.every((r: { status: string }) => r.status !== 'pending')).toBe(
      true,
    );
    const done = await t.http
      .patch(`/v1/appointments/${a.body.id}`)
      .set(c.auth)
      .send({ status: 'completed' })
      .expect(200);
    expect(done.body.history.at(-1)).toMatchObject({
      event: 'STAFF_COMPLETED',
      from: 'arrived',
      to: 'completed',
      source: 'staff',
    });
    const illegal = await t.http
      .patch(`/v1/appointments/${a.body.id}`)
      .set(c.auth)
      .send({ status: 'no_show' })
      .expect(409);
    expect(illegal.body.message.join(' ')).toContain('appointment is completed');
    const move = await t.http
      .patch(`/v1/appointments/${a.body.id}`)
      .set(c.auth)
      .send({ startsAt: '2026-12-09T09:00:00-06:00' })
      .expect(409);
    expect(move.body.message.join(' ')).toContain('completed');
    await t.http
      .patch(`/v1/appointments/${a.body.id}`)
      .set(c.auth)
      .send({ status: 'scheduled' })
      .expect(400);
    await t.http.patch(`/v1/appointments/${a.body.id}`).set(c.auth).send({}).expect(400);
  });

  it('reschedules by staff PATCH and replans the reminders', async () => {
    const a = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput())
      .expect(201);
    const res = await t.http
      .patch(`/v1/appointments/${a.body.id}`)
      .set(c.auth)
      .send({ startsAt: '2026-12-10T09:00:00' })
      .expect(200);
    expect(res.body.startsAt).toBe('2026-12-10T15:00:00.000Z');
    const pending = res.body.reminders.filter((r: { status: string }) => r.status === 'pending');
    expect(pending.map((r: { dueAt: string }) => r.dueAt).sort()).toEqual([
      '2026-12-08T15:00:00.000Z',
      '2026-12-10T14:00:00.000Z', // 07:00 local is quiet: moved to 08:00
    ]);
  });

  it('cancels pending reminders when the clinic uploads the appointment as cancelled', async () => {
    const input = appointmentInput();
    await t.http.post('/v1/appointments').set(c.auth).send(input).expect(201);
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({ ...input, status: 'cancelled' })
      .expect(200);
    expect(res.body.status).toBe('cancelled');
    expect(res.body.reminders.map((r: { status: string }) => r.status)).toEqual([
      'cancelled',
      'cancelled',
    ]);
    const back = await t.http.post('/v1/appointments').set(c.auth).send(input).expect(200);
    expect(back.body.status).toBe('scheduled');
    expect(
      back.body.reminders.filter((r: { status: string }) => r.status === 'pending'),
    ).toHaveLength(2);
  });

  it("pages through a clinic's appointments with a cursor", async () => {
    const own = await createClinic(t);
    const inputs = Array.from({ length: 7 }, (_, i) =>
      appointmentInput({
        startsAt: `2026-12-0${1 + (i % 3)}T${String(8 + i).padStart(2, '0')}:00:00-06:00`,
      }),
    );
    await t.http
      .post('/v1/appointments/batch')
      .set(own.auth)
      .send({ appointments: inputs })
      .expect(200);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { limit: '3' };
      if (cursor) query.cursor = cursor;
      const page = await t.http.get('/v1/appointments').query(query).set(own.auth).expect(200);
      seen.push(...page.body.items.map((i: { externalId: string }) => i.externalId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(inputs.map((i) => i.externalId as string).sort());
    await t.http.get('/v1/appointments').query({ cursor: 'garbage' }).set(own.auth).expect(400);
    await t.http.get('/v1/appointments').query({ limit: '0' }).set(own.auth).expect(400);
    const filtered = await t.http
      .get('/v1/appointments')
      .query({ from: '2026-12-02', to: '2026-12-03' })
      .set(own.auth)
      .expect(200);
    expect(
      filtered.body.items.every((i: { startsAt: string }) => i.startsAt.startsWith('2026-12-02')),
    ).toBe(true);
    expect(filtered.body.items.length).toBeGreaterThan(0);
  });

  it('updates the patient from the latest upload and keeps fields an upload omits', async () => {
    const phone = uniquePhone();
    await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(
        appointmentInput({
          patient: { name: 'Old Name', phone, language: 'es', timezone: 'America/Denver' },
        }),
      )
      .expect(201);
    const second = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send(appointmentInput({ patient: { name: 'New Name', phone } }))
      .expect(201);
    expect(second.body.patient).toMatchObject({
      name: 'New Name',
      language: 'es',
      timezone: 'America/Denver',
    });
  });

  it('lets two batches that introduce the same new patients run at once: one patient each', async () => {
    for (let round = 0; round < 4; round++) {
      const phones = Array.from({ length: 40 }, () => uniquePhone());
      const batch = (tag: string) => ({
        appointments: phones.map((phone, i) =>
          appointmentInput({
            externalId: uniqueId(tag),
            patient: { name: `Patient ${i}`, phone },
            startsAt: `2026-12-0${2 + round}T${String(8 + (i % 9)).padStart(2, '0')}:00:00`,
          }),
        ),
      });
      const [a, b] = await Promise.all([
        t.http.post('/v1/appointments/batch').set(c.auth).send(batch('L')),
        t.http.post('/v1/appointments/batch').set(c.auth).send(batch('R')),
      ]);
      for (const res of [a, b]) {
        expect(res.status).toBe(200);
        expect(
          res.body.results.filter((r: { outcome: string }) => r.outcome !== 'created'),
        ).toEqual([]);
      }
      // Both uploads' appointments for a phone belong to one and the same patient.
      const rows: { phone: string; patients: number; appointments: number }[] = await t.ds.query(
        `SELECT p.phone, count(DISTINCT p.id)::int AS patients, count(a.id)::int AS appointments
         FROM patients p JOIN appointments a ON a.patient_id = p.id
         WHERE p.clinic_id = $1 AND p.phone = ANY($2::text[]) GROUP BY p.phone`,
        [c.id, phones],
      );
      expect(rows).toHaveLength(phones.length);
      expect(rows.filter((r) => r.patients !== 1 || r.appointments !== 2)).toEqual([]);
    }
  });
});
