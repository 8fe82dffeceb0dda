import { CalendarWriteBack } from '../../src/calendar/calendar-write-back.service';
import { CalDavStore } from '../../src/calendar/store/caldav.store';
import { CalendarStoreRepository } from '../../src/calendar/store/calendar-store.repository';
import { CalendarSync } from '../../src/calendar/store/calendar-sync.service';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { CalendarApp, RADICALE_USER, Radicale, startRadicale } from '../support/radicale';
import { reply } from '../support/replies';
import { startTestApp, TestApp } from '../support/test-app';
import { sentReminder } from '../support/webhooks';

/** Against a real CalDAV server (Debian's radicale), started once for this file. */
describe('CalDAV calendar store', () => {
  let t: TestApp;
  let radicale: Radicale;
  let c: TestClinic;
  let cal: CalendarApp;
  let sender: string;

  beforeAll(async () => {
    [t, radicale] = await Promise.all([startTestApp(), startRadicale()]);
  });
  afterAll(async () => {
    await t.close();
    await radicale.stop();
  });
  beforeEach(async () => {
    t.clock.set('2026-11-26T15:00:00Z');
    sender = uniquePhone();
    c = await createClinic(t, { senderNumber: sender });
    cal = new CalendarApp(await radicale.calendar());
  });

  async function useStore(): Promise<void> {
    const res = await t.http
      .patch('/v1/clinic')
      .set(c.auth)
      .send({
        calendarStore: {
          type: 'caldav',
          url: cal.url,
          username: RADICALE_USER,
          password: 'x',
          syncSeconds: 60,
        },
      });
    expect(res.status).toBe(200);
  }

  /** This clinic's sync, made due now (other clinics' rows are left alone). */
  async function sync() {
    // other specs' clinics are not due: this read is this clinic's alone
    await t.ds.query(
      `UPDATE calendar_store_syncs
       SET next_sync_at = CASE WHEN clinic_id = $1 THEN $2::timestamptz ELSE 'infinity' END`,
      [c.id, t.clock.now()],
    );
    const outcomes = await t.app.get(CalendarSync).runOnce();
    const mine = outcomes.find((o) => o.clinicId === c.id);
    expect(mine?.error).toBeUndefined();
    return mine!;
  }

  const context = () => ({
    clinicId: c.id,
    timezone: 'America/Chicago',
    settings: { type: 'caldav' as const, url: cal.url, username: RADICALE_USER, syncSeconds: 60 },
    secret: { password: 'x' },
  });

  async function deliver(): Promise<void> {
    const service = t.app.get(CalendarWriteBack);
    while ((await service.runOnce()) > 0);
  }

  async function appointment(externalId: string) {
    const list = await t.http
      .get(`/v1/appointments?externalId=${encodeURIComponent(externalId)}`)
      .set(c.auth);
    expect(list.body.items).toHaveLength(1);
    const view = await t.http.get(`/v1/appointments/${list.body.items[0].id}`).set(c.auth);
    return view.body;
  }

  const visit = (phone: string, start = '20261203T093000', end = '20261203T100000') => [
    `DTSTART;TZID=America/Chicago:${start}`,
    `DTEND;TZID=America/Chicago:${end}`,
    'SUMMARY:Cleaning: Ana Diaz',
    'ORGANIZER;CN=Dr. Kim:mailto:kim@lakeside.example',
    `ATTENDEE;CN=Ana Diaz;PARTSTAT=NEEDS-ACTION:tel:${phone}`,
    'LOCATION:Main St',
    'CATEGORIES:cleaning,hygiene',
  ];

  it('first read: maps each event with a tel: attendee, lists the rest with a reason', async () => {
    const phone = uniquePhone();
    await cal.put('v-1', visit(phone));
    await cal.put('meeting', [
      'DTSTART:20261203T150000Z',
      'DTEND:20261203T160000Z',
      'SUMMARY:Staff meeting',
    ]);
    await cal.put('group', [...visit(uniquePhone()), `ATTENDEE;CN=Bo:tel:${uniquePhone()}`]);
    await cal.put('weekly', [...visit(uniquePhone()), 'RRULE:FREQ=WEEKLY;COUNT=4']);
    await useStore();

    const first = await sync();
    expect(first).toMatchObject({ ok: true, created: 1, unmapped: 3 });
    const a = await appointment('v-1');
    expect(a).toMatchObject({
      status: 'scheduled',
      startsAt: '2026-12-03T15:30:00.000Z',
      endsAt: '2026-12-03T16:00:00.000Z',
      practitioner: 'Dr. Kim',
      location: 'Main St',
      type: 'cleaning',
      patient: { name: 'Ana Diaz', phone },
    });
    // two days before, and two hours before moved out of quiet hours (to 08:00)
    expect(a.reminders.map((r: { dueAt: string }) => r.dueAt)).toEqual([
      '2026-12-01T15:30:00.000Z',
      '2026-12-03T14:00:00.000Z',
    ]);

    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state).toMatchObject({
      type: 'caldav',
      lastReadAt: '2026-11-26T15:00:00.000Z',
      lastError: null,
      counts: { reads: 1, eventsRead: 4, appointments: 1, unmapped: 3 },
    });
    const reasons = Object.fromEntries(
      state.unmapped.map((u: { ref: string; reason: string }) => [
        u.ref.split('/').pop(),
        u.reason,
      ]),
    );
    expect(reasons).toEqual({
      'meeting.ics': 'no attendee with a tel: address (the patient phone)',
      'group.ics': 'group event: 2 attendees with a tel: address',
      'weekly.ics': expect.stringMatching(/^recurring event/),
    });

    // Read again with nothing changed: the sync token says so, nothing is imported.
    t.clock.set('2026-11-26T15:01:00Z');
    expect(await sync()).toMatchObject({ created: 0, updated: 0, unchanged: 0, requests: 1 });
  });

  it('incremental read: a moved event moves the appointment and its reminders', async () => {
    const phone = uniquePhone();
    await cal.put('v-2', visit(phone));
    await cal.put('v-3', visit(uniquePhone()));
    await useStore();
    await sync();

    await cal.edit('v-2', (ics) =>
      ics
        .replace('20261203T093000', '20261204T110000')
        .replace('20261203T100000', '20261204T113000'),
    );
    const second = await sync();
    // only the changed event comes back: the other one is not even read
    expect(second).toMatchObject({ updated: 1, unchanged: 0, created: 0 });
    const a = await appointment('v-2');
    expect(a.startsAt).toBe('2026-12-04T17:00:00.000Z');
    const pending = a.reminders.filter((r: { status: string }) => r.status === 'pending');
    expect(pending.map((r: { dueAt: string }) => r.dueAt)).toEqual([
      '2026-12-02T17:00:00.000Z',
      '2026-12-04T15:00:00.000Z',
    ]);
    expect(a.history.at(-1)).toMatchObject({ event: 'IMPORT_RESCHEDULE', source: 'import' });
  });

  it('writes a confirmation into the event; a re-read never undoes it', async () => {
    const phone = uniquePhone();
    await cal.put('v-4', visit(phone));
    await useStore();
    await sync();
    const a = await appointment('v-4');
    const [{ patient_id }] = await t.ds.query(`SELECT patient_id FROM appointments WHERE id = $1`, [
      a.id,
    ]);
    await sentReminder(
      t,
      { id: c.id, senderNumber: sender, providerType: 'fake' },
      { id: a.id, patientId: patient_id, phone },
      `SM${a.id.slice(0, 8)}`,
    );
    await reply(t, c, phone, 'C');
    await deliver();

    const event = await cal.get(cal.href('v-4'));
    expect(event.body).toContain('STATUS:CONFIRMED');
    expect(event.body).toMatch(/ATTENDEE;CN=Ana Diaz;PARTSTAT=ACCEPTED:tel:/);
    expect(event.body).toContain('X-TURNOUT-STATUS:confirmed');

    // Turnout's own write comes back on the next read: the appointment stays confirmed.
    t.clock.set('2026-11-26T15:02:00Z');
    expect(await sync()).toMatchObject({ unchanged: 1, updated: 0 });
    expect((await appointment('v-4')).status).toBe('confirmed');
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state.counts).toMatchObject({ writes: 1, writeConflicts: 0, pendingWrites: 0 });
    expect(state.lastWriteAt).toBe('2026-11-26T15:00:00.000Z');
  });

  it('an event edited in the calendar after Turnout read it: 412, read again, applied again', async () => {
    await cal.put('v-5', visit(uniquePhone()));
    await useStore();
    await sync();
    // The front desk changes the room after Turnout read the event: Turnout's ETag is stale.
    await cal.edit('v-5', (ics) => ics.replace('LOCATION:Main St', 'LOCATION:Room 2'));
    const a = await appointment('v-5');
    const staff = await t.http
      .patch(`/v1/appointments/${a.id}`)
      .set(c.auth)
      .send({ status: 'cancelled' });
    expect(staff.status).toBe(200);
    await deliver();

    const event = (await cal.get(cal.href('v-5'))).body;
    expect(event).toContain('LOCATION:Room 2'); // the newer edit is kept
    expect(event).toContain('STATUS:CANCELLED');
    expect(event).toContain('X-TURNOUT-STATUS:cancelled');
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state.counts).toMatchObject({ writes: 1, writeConflicts: 1 });
    const deliveries = (await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items;
    expect(deliveries).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1 })]);
  });

  /** Staff move the appointment in Turnout (PATCH startsAt, clinic time): a move to write back. */
  async function staffMove(externalId: string, startsAt: string) {
    const a = await appointment(externalId);
    const res = await t.http.patch(`/v1/appointments/${a.id}`).set(c.auth).send({ startsAt });
    expect(res.status).toBe(200);
  }

  it('a staff move is written back: DTSTART/DTEND moved in the event', async () => {
    await cal.put('v-10', visit(uniquePhone()));
    await useStore();
    await sync();
    await staffMove('v-10', '2026-12-05T10:00:00');
    await deliver();
    const event = (await cal.get(cal.href('v-10'))).body;
    expect(event).toContain('DTSTART;TZID=America/Chicago:20261205T100000');
    expect(event).toContain('DTEND;TZID=America/Chicago:20261205T103000');
    const [d] = (await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items;
    expect(d).toMatchObject({ type: 'appointment.rescheduled', status: 'delivered' });
  });

  it('both moved it: on the 412 the calendar’s time is kept, imported, and the conflict shown', async () => {
    await cal.put('v-11', visit(uniquePhone()));
    await useStore();
    await sync();
    // The front desk moves it in the calendar; meanwhile staff move it in Turnout.
    await cal.edit('v-11', (ics) =>
      ics
        .replace('20261203T093000', '20261204T110000')
        .replace('20261203T100000', '20261204T113000'),
    );
    await staffMove('v-11', '2026-12-05T10:00:00');
    await deliver();

    const event = (await cal.get(cal.href('v-11'))).body;
    expect(event).toContain('DTSTART;TZID=America/Chicago:20261204T110000'); // not overwritten
    expect(event).not.toContain('20261205T100000');
    const [d] = (await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items;
    expect(d).toMatchObject({
      type: 'appointment.rescheduled',
      status: 'conflict',
      lastStatusCode: 412,
      lastError:
        'not written: the calendar moved it to 2026-12-04 11:00 America/Chicago since Turnout read it; ' +
        "the calendar's time is kept (Turnout's move was to 2026-12-05 10:00 America/Chicago)",
    });
    // settled: never retried, and not offered for retry
    await deliver();
    expect((await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items[0].attempts).toBe(
      1,
    );
    expect((await t.http.post(`/v1/calendar-deliveries/${d.id}/retry`).set(c.auth)).status).toBe(
      409,
    );
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state.counts).toMatchObject({ calendarKept: 1, writes: 0 });
    expect(state.conflicts).toEqual([
      expect.objectContaining({
        deliveryId: d.id,
        externalId: 'v-11',
        message: expect.stringContaining("the calendar's time is kept"),
      }),
    ]);
    // The store is read right away, and the calendar's time goes through the import.
    expect(Date.parse(state.nextReadAt)).toBeLessThanOrEqual(t.clock.now().getTime());
    expect(await sync()).toMatchObject({ updated: 1 });
    const a = await appointment('v-11');
    expect(a.startsAt).toBe('2026-12-04T17:00:00.000Z');
    expect(a.history.at(-1)).toMatchObject({ event: 'IMPORT_RESCHEDULE', source: 'import' });
    const pending = a.reminders.filter((r: { status: string }) => r.status === 'pending');
    expect(pending.map((r: { dueAt: string }) => r.dueAt)).toEqual([
      '2026-12-02T17:00:00.000Z',
      '2026-12-04T15:00:00.000Z',
    ]);
  });

  it('the calendar changed only the description: on the 412 Turnout’s move is applied again', async () => {
    await cal.put('v-12', visit(uniquePhone()));
    await useStore();
    await sync();
    await cal.edit('v-12', (ics) =>
      ics.replace('LOCATION:Main St', 'LOCATION:Main St\r\nDESCRIPTION:bring x-rays'),
    );
    await staffMove('v-12', '2026-12-05T10:00:00');
    await deliver();

    const event = (await cal.get(cal.href('v-12'))).body;
    expect(event).toContain('DTSTART;TZID=America/Chicago:20261205T100000');
    expect(event).toContain('DESCRIPTION:bring x-rays'); // the calendar's edit is kept
    const [d] = (await t.http.get('/v1/calendar-deliveries').set(c.auth)).body.items;
    expect(d).toMatchObject({ status: 'delivered', attempts: 1 });
    const state = (await t.http.get('/v1/calendar-store').set(c.auth)).body;
    expect(state.counts).toMatchObject({ writes: 1, writeConflicts: 1, calendarKept: 0 });
    expect(state.conflicts).toEqual([]);
    t.clock.set('2026-11-26T15:01:00Z');
    await sync();
    expect((await appointment('v-12')).startsAt).toBe('2026-12-05T16:00:00.000Z');
  });

  it('an event deleted from the calendar cancels its appointment (kept, not deleted)', async () => {
    await cal.put('v-6', visit(uniquePhone()));
    await useStore();
    await sync();
    await cal.delete('v-6');
    expect(await sync()).toMatchObject({ cancelledByDeletion: 1 });
    const a = await appointment('v-6');
    expect(a.status).toBe('cancelled');
    expect(a.reminders.every((r: { status: string }) => r.status === 'cancelled')).toBe(true);
    expect(a.history.at(-1)).toMatchObject({ event: 'IMPORT_CANCEL', source: 'import' });
  });

  it('a booking by Turnout is a new event, which the next read takes as the same appointment', async () => {
    await useStore();
    await sync();
    const phone = uniquePhone();
    const res = await t.http
      .post('/v1/appointments')
      .set(c.auth)
      .send({
        externalId: 'turnout-b1',
        patient: { name: 'Bo Lee', phone },
        startsAt: '2026-12-05T10:00:00',
        durationMinutes: 45,
        practitioner: 'Dr. Kim',
        location: 'Main St',
        type: 'checkup',
      });
    expect(res.status).toBe(201);
    // The booking seam: the write-back of a new appointment, through the adapter.
    const view = (await t.http.get(`/v1/appointments/${res.body.id}`).set(c.auth)).body;
    const store = t.app.get(CalDavStore);
    const written = await store.write(
      context(),
      {
        id: 'evt_b',
        type: 'appointment.booked',
        occurredAt: '2026-11-26T15:00:00Z',
        appointment: view,
      },
      null,
    );
    expect(written).toMatchObject({ ok: true, link: { href: cal.href('turnout-b1') } });
    const event = (await cal.get(cal.href('turnout-b1'))).body;
    expect(event).toContain('UID:turnout-b1');
    expect(event).toContain('DTSTART;TZID=America/Chicago:20261205T100000');
    expect(event).toContain('DTEND;TZID=America/Chicago:20261205T104500');
    expect(event).toMatch(/ATTENDEE;CN=Bo Lee;PARTSTAT=NEEDS-ACTION:tel:\+1/);
    expect(event).toContain('CATEGORIES:checkup');

    t.clock.set('2026-11-26T15:03:00Z');
    expect(await sync()).toMatchObject({ created: 0, unchanged: 1 });
  });

  it('places times by TZID across a DST change, and writes a move in the event’s zone', async () => {
    // US clocks go forward on 14 March 2027: 9:30 in Chicago is 15:30Z before, 14:30Z after.
    await cal.put('dst-before', visit(uniquePhone(), '20270313T093000', '20270313T100000'));
    await cal.put('dst-after', visit(uniquePhone(), '20270315T093000', '20270315T100000'));
    await cal.put('dst-berlin', [
      ...visit(uniquePhone()).slice(2),
      'DTSTART;TZID=Europe/Berlin:20270328T093000',
      'DTEND;TZID=Europe/Berlin:20270328T100000',
    ]);
    await useStore();
    await sync();
    expect((await appointment('dst-before')).startsAt).toBe('2027-03-13T15:30:00.000Z');
    expect((await appointment('dst-after')).startsAt).toBe('2027-03-15T14:30:00.000Z');
    // Berlin goes forward on 28 March 2027: 9:30 there is 07:30Z.
    expect((await appointment('dst-berlin')).startsAt).toBe('2027-03-28T07:30:00.000Z');

    // A move by Turnout (a patient's pick of a new slot) across the change, through the adapter.
    const before = await appointment('dst-before');
    const link = await t.app.get(CalendarStoreRepository).link(c.id, 'dst-before');
    const written = await t.app.get(CalDavStore).write(
      context(),
      {
        id: 'evt_m',
        type: 'appointment.rescheduled',
        occurredAt: '2026-11-26T15:00:00Z',
        appointment: {
          ...before,
          startsAt: '2027-03-16T14:30:00.000Z',
          endsAt: '2027-03-16T15:00:00.000Z',
        },
      },
      link,
    );
    expect(written.ok).toBe(true);
    const event = (await cal.get(cal.href('dst-before'))).body;
    expect(event).toContain('DTSTART;TZID=America/Chicago:20270316T093000');
    expect(event).toContain('DTEND;TZID=America/Chicago:20270316T100000');
    t.clock.set('2026-11-26T15:04:00Z');
    expect(await sync()).toMatchObject({ updated: 1 });
    expect((await appointment('dst-before')).startsAt).toBe('2027-03-16T14:30:00.000Z');
  });
});
