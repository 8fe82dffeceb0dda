import { dispatcherOf } from '../support/dispatch-helpers';
import { appointmentInput, createClinic, TestClinic, uniquePhone } from '../support/factories';
import { applyPatientReply, PatientReply } from '../support/patient-replies';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The no-show report against a hand-built week in New York that holds the end of DST
 * (Sunday 2026-11-01 has 25 hours) and evening visits that fall on the next UTC date. Every
 * expected number below was worked out by hand from the table; none is computed by the code
 * under test.
 *
 * How each state is reached: uploads through the API; reminders (offset P1D) sent by the real
 * dispatcher with the fake provider while the clock walks through the fortnight ("late"
 * appointments are uploaded afterwards, so their reminder is too late and never sent:
 * unreached); staff statuses through PATCH; patients' texts through applyPatientReply (the
 * workflow service the reply handler calls; simulator replies once the reply workflow lands).
 */
type Staff = 'arrived' | 'completed' | 'no_show' | 'cancelled';
interface Row {
  n: number;
  at: string;
  practitioner?: string;
  location?: string;
  type?: string;
  late?: boolean;
  uploadCancelled?: boolean;
  reply?: PatientReply;
  staff?: Staff;
  staffMove?: string;
}
const M = 'Main St';
const E = 'Elm, Suite 2';
const X = '-Annex'; // a formula-like name: the CSV must neutralise it
const [ADAMS, BAKER, CHEN, DIAZ, EVANS] = [
  'Dr. Adams',
  'Dr. Baker',
  'Dr. Chen',
  'Dr. Diaz',
  'Dr. Evans',
];
const confirm: PatientReply = { kind: 'confirm' };
const cancel: PatientReply = { kind: 'cancel' };
const slot = (startsAt: string): PatientReply => ({ kind: 'slot', startsAt });

// Wall times are in the clinic's zone (America/New_York); an explicit offset is an instant.
const ROWS: Row[] = [
  // Thursday 10-29 (EDT). #1 starts at the range's first instant.
  {
    n: 1,
    at: '2026-10-29T00:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    staff: 'completed',
  },
  {
    n: 2,
    at: '2026-10-29T09:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    reply: confirm,
    staff: 'completed',
  },
  {
    n: 3,
    at: '2026-10-29T10:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'checkup',
    reply: confirm,
    staff: 'no_show',
  },
  {
    n: 4,
    at: '2026-10-29T11:00:00',
    practitioner: BAKER,
    location: E,
    type: 'cleaning',
    staff: 'no_show',
  },
  {
    n: 5,
    at: '2026-10-29T12:00:00',
    practitioner: BAKER,
    location: E,
    type: 'cleaning',
    late: true,
    staff: 'no_show',
  },
  {
    n: 6,
    at: '2026-10-29T13:00:00',
    practitioner: CHEN,
    location: X,
    type: 'checkup',
    reply: cancel,
  },
  {
    n: 7,
    at: '2026-10-29T14:00:00',
    practitioner: DIAZ,
    location: M,
    type: 'cleaning',
    staff: 'cancelled',
  },
  // Friday 10-30. #14 is 03:30Z on Saturday.
  {
    n: 8,
    at: '2026-10-30T09:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    staff: 'arrived',
  },
  {
    n: 9,
    at: '2026-10-30T09:30:00',
    practitioner: ADAMS,
    location: M,
    reply: confirm,
    staff: 'arrived',
  },
  {
    n: 10,
    at: '2026-10-30T10:00:00',
    practitioner: BAKER,
    location: E,
    type: 'checkup',
    reply: slot('2026-11-03T15:00:00-05:00'),
    staff: 'arrived',
  },
  {
    n: 11,
    at: '2026-10-30T11:00:00',
    practitioner: CHEN,
    location: X,
    type: 'cleaning',
    late: true,
    staff: 'no_show',
  },
  { n: 12, at: '2026-10-30T12:00:00', location: M, type: 'cleaning', staff: 'completed' },
  {
    n: 13,
    at: '2026-10-30T13:00:00',
    practitioner: DIAZ,
    location: E,
    type: 'checkup',
    uploadCancelled: true,
  },
  {
    n: 14,
    at: '2026-10-30T23:30:00',
    practitioner: CHEN,
    location: X,
    type: 'checkup',
    staff: 'no_show',
  },
  // Saturday 10-31. #19 is midnight UTC on Sunday.
  {
    n: 15,
    at: '2026-10-31T09:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    reply: confirm,
    staff: 'completed',
  },
  { n: 16, at: '2026-10-31T10:00:00', practitioner: BAKER, location: E, type: 'cleaning' },
  { n: 17, at: '2026-10-31T11:00:00', practitioner: CHEN, location: X, reply: confirm },
  {
    n: 18,
    at: '2026-10-31T12:00:00',
    practitioner: BAKER,
    location: E,
    type: 'checkup',
    reply: cancel,
  },
  {
    n: 19,
    at: '2026-10-31T20:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'checkup',
    staff: 'no_show',
  },
  // Sunday 11-01, 25 hours: 01:00-02:00 happens twice (EDT, then EST).
  {
    n: 20,
    at: '2026-11-01T00:30:00',
    practitioner: BAKER,
    location: E,
    type: 'cleaning',
    staff: 'completed',
  },
  {
    n: 21,
    at: '2026-11-01T01:30:00',
    practitioner: CHEN,
    location: X,
    type: 'cleaning',
    reply: confirm,
    staff: 'no_show',
  }, // the earlier 01:30 (EDT)
  {
    n: 22,
    at: '2026-11-01T01:30:00-05:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    late: true,
    staff: 'no_show',
  }, // the second 01:30 (EST)
  {
    n: 23,
    at: '2026-11-01T01:15:00-05:00',
    practitioner: BAKER,
    location: E,
    type: 'checkup',
    staff: 'arrived',
  },
  { n: 24, at: '2026-11-01T09:00:00', practitioner: DIAZ, location: M, type: 'cleaning' },
  {
    n: 25,
    at: '2026-11-01T23:30:00',
    practitioner: ADAMS,
    location: M,
    type: 'checkup',
    reply: confirm,
    staff: 'completed',
  }, // 04:30Z Monday
  { n: 26, at: '2026-11-01T12:00:00', location: E, late: true, staff: 'no_show' },
  // Monday 11-02.
  {
    n: 27,
    at: '2026-11-02T09:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    staff: 'no_show',
  },
  {
    n: 28,
    at: '2026-11-02T10:00:00',
    practitioner: BAKER,
    location: E,
    type: 'cleaning',
    reply: confirm,
    staff: 'arrived',
  },
  {
    n: 29,
    at: '2026-11-02T11:00:00',
    practitioner: CHEN,
    location: X,
    type: 'checkup',
    reply: slot('2026-11-06T10:00:00-05:00'),
  }, // moved out of the range
  {
    n: 30,
    at: '2026-11-02T12:00:00',
    practitioner: CHEN,
    location: X,
    type: 'cleaning',
    staff: 'completed',
  },
  {
    n: 31,
    at: '2026-11-02T13:00:00',
    practitioner: DIAZ,
    location: E,
    type: 'checkup',
    reply: cancel,
  },
  { n: 50, at: '2026-11-02T14:00:00', practitioner: BAKER, staff: 'completed' },
  // Tuesday 11-03.
  {
    n: 32,
    at: '2026-11-03T09:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'checkup',
    reply: confirm,
    staff: 'arrived',
  },
  {
    n: 33,
    at: '2026-11-03T10:00:00',
    practitioner: BAKER,
    location: E,
    type: 'cleaning',
    late: true,
    staff: 'no_show',
  },
  {
    n: 34,
    at: '2026-11-03T11:00:00',
    practitioner: CHEN,
    location: X,
    type: 'cleaning',
    staff: 'arrived',
  },
  {
    n: 35,
    at: '2026-11-03T12:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    staff: 'cancelled',
  },
  {
    n: 36,
    at: '2026-11-03T13:00:00',
    location: M,
    type: 'checkup',
    reply: confirm,
    staff: 'completed',
  },
  // Wednesday 11-04. #40 is 03:00Z on Thursday; #41 is the last minute of the range.
  {
    n: 37,
    at: '2026-11-04T09:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    staff: 'completed',
  },
  {
    n: 38,
    at: '2026-11-04T10:00:00',
    practitioner: BAKER,
    location: E,
    type: 'checkup',
    reply: slot('2026-11-04T16:00:00-05:00'),
    staff: 'no_show',
  },
  {
    n: 39,
    at: '2026-11-04T11:00:00',
    practitioner: CHEN,
    location: X,
    type: 'checkup',
    staff: 'no_show',
  },
  {
    n: 40,
    at: '2026-11-04T22:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'checkup',
    staff: 'arrived',
  },
  { n: 41, at: '2026-11-04T23:59:00', practitioner: DIAZ, location: M, type: 'cleaning' },
  {
    n: 42,
    at: '2026-11-04T12:00:00',
    practitioner: CHEN,
    location: E,
    type: 'cleaning',
    uploadCancelled: true,
  },
  // Outside [2026-10-29, 2026-11-05). #43 is 03:30Z on 10-29; #45 starts at the range's end.
  {
    n: 43,
    at: '2026-10-28T23:30:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    staff: 'no_show',
  },
  {
    n: 44,
    at: '2026-10-28T12:00:00',
    practitioner: EVANS,
    location: M,
    type: 'cleaning',
    staff: 'completed',
  },
  {
    n: 45,
    at: '2026-11-05T00:00:00',
    practitioner: BAKER,
    location: E,
    type: 'cleaning',
    reply: confirm,
    staff: 'completed',
  },
  {
    n: 46,
    at: '2026-11-05T09:00:00',
    practitioner: EVANS,
    location: E,
    type: 'checkup',
    staff: 'no_show',
  },
  // Moved into the range by the patient's text, and by staff; #49 moved out by staff.
  {
    n: 47,
    at: '2026-11-07T10:00:00',
    practitioner: CHEN,
    location: X,
    type: 'cleaning',
    reply: slot('2026-11-02T15:00:00-05:00'),
    staff: 'completed',
  },
  {
    n: 48,
    at: '2026-11-06T11:00:00',
    practitioner: BAKER,
    location: E,
    type: 'cleaning',
    staffMove: '2026-11-03T14:00:00',
    staff: 'no_show',
  },
  {
    n: 49,
    at: '2026-10-29T15:00:00',
    practitioner: ADAMS,
    location: M,
    type: 'cleaning',
    staffMove: '2026-11-06T09:00:00',
    staff: 'arrived',
  },
];

const ORDER = [
  'appointments',
  'attended',
  'noShows',
  'cancelled',
  'noShowRate',
  'confirmed',
  'noShowsConfirmed',
  'noShowsUnconfirmed',
  'noShowsUnreached',
  'rescheduledByText',
  'cancelledByText',
] as const;
/** The metrics in ORDER, written as a row so the expectations read like a table. */
const m = (values: (number | null)[]) => Object.fromEntries(ORDER.map((k, i) => [k, values[i]]));
const g = (key: string | null, values: (number | null)[]) => ({ key, ...m(values) });

const RANGE = 'from=2026-10-29&to=2026-11-05';
//                         appts att  ns canc rate    conf nsC nsU nsX resch cancT
const TOTALS = m([44, 19, 14, 7, 0.4242, 13, 3, 6, 5, 3, 3]);

describe('GET /v1/reports/no-shows', () => {
  let t: TestApp;
  let clinic: TestClinic;
  let other: TestClinic;
  const ids = new Map<number, string>();

  async function uploadAll(c: TestClinic, rows: Row[]): Promise<void> {
    const res = await t.http
      .post('/v1/appointments/batch')
      .set(c.auth)
      .send({
        appointments: rows.map((r) =>
          appointmentInput({
            externalId: `R-${r.n}`,
            patient: { name: `Patient ${r.n}`, phone: uniquePhone() },
            startsAt: r.at,
            practitioner: r.practitioner,
            location: r.location,
            type: r.type,
            status: r.uploadCancelled ? 'cancelled' : 'scheduled',
          }),
        ),
      })
      .expect(200);
    for (const [i, result] of (res.body.results as { outcome: string; id: string }[]).entries()) {
      expect(result.outcome).toBe('created');
      ids.set(rows[i].n, result.id);
    }
  }

  beforeAll(async () => {
    t = await startTestApp({ now: '2026-10-20T12:00:00Z' });
    const settings = {
      timezone: 'America/New_York',
      reminderOffsets: ['P1D'],
      quietHours: null,
      sendRatePerSecond: 1000,
    };
    clinic = await createClinic(t, settings);
    other = await createClinic(t, settings);
    await uploadAll(
      clinic,
      ROWS.filter((r) => !r.late),
    );
    // Another clinic's no-shows on the same days: never in this clinic's report.
    const noise = await t.http
      .post('/v1/appointments/batch')
      .set(other.auth)
      .send({
        appointments: [
          appointmentInput({ startsAt: '2026-10-30T10:00:00', practitioner: ADAMS }),
          appointmentInput({ startsAt: '2026-11-01T01:30:00', practitioner: ADAMS, location: X }),
        ],
      })
      .expect(200);

    // The fortnight passes: every 6 hours the dispatcher sends what is due (P1D before).
    for (
      let at = Date.parse('2026-10-27T00:00:00Z');
      at <= Date.parse('2026-11-08T00:00:00Z');
      at += 6 * 3_600_000
    ) {
      t.clock.set(new Date(at));
      await dispatcherOf(t).tick();
    }

    // Afterwards: appointments entered late (their reminder never went out), replies, staff.
    t.clock.set('2026-11-10T12:00:00Z');
    await uploadAll(
      clinic,
      ROWS.filter((r) => r.late),
    );
    for (const r of ROWS) {
      const id = ids.get(r.n)!;
      if (r.reply) await applyPatientReply(t, clinic.id, id, r.reply);
      if (r.staffMove) {
        await t.http
          .patch(`/v1/appointments/${id}`)
          .set(clinic.auth)
          .send({ startsAt: r.staffMove })
          .expect(200);
      }
      if (r.staff) {
        await t.http
          .patch(`/v1/appointments/${id}`)
          .set(clinic.auth)
          .send({ status: r.staff })
          .expect(200);
      }
    }
    for (const item of noise.body.results as { id: string }[]) {
      await t.http
        .patch(`/v1/appointments/${item.id}`)
        .set(other.auth)
        .send({ status: 'no_show' })
        .expect(200);
    }
  });
  afterAll(() => t.close());

  it('built the states it claims: reminders reached exactly the appointments uploaded early', async () => {
    const reached: { n: string }[] = await t.ds.query(
      `SELECT substr(a.external_id, 3) AS n FROM appointments a
       WHERE a.clinic_id = $1 AND EXISTS (SELECT 1 FROM reminders r
         WHERE r.appointment_id = a.id AND r.status = 'sent')`,
      [clinic.id],
    );
    const expected = ROWS.filter((r) => !r.late && !r.uploadCancelled).map((r) => r.n);
    expect(reached.map((r) => Number(r.n)).sort((a, b) => a - b)).toEqual(
      expected.sort((a, b) => a - b),
    );
  });

  it('totals, with groupBy none by default', async () => {
    const res = await t.http.get(`/v1/reports/no-shows?${RANGE}`).set(clinic.auth).expect(200);
    expect(res.body).toEqual({
      from: '2026-10-29',
      to: '2026-11-05',
      timezone: 'America/New_York',
      groupBy: 'none',
      totals: TOTALS,
      groups: [],
    });
  });

  it('by practitioner: one with no visits has a null rate; one outside the range is absent', async () => {
    const res = await t.http
      .get(`/v1/reports/no-shows?${RANGE}&groupBy=practitioner`)
      .set(clinic.auth)
      .expect(200);
    expect(res.body.totals).toEqual(TOTALS);
    expect(res.body.groups).toEqual([
      g(ADAMS, [14, 9, 4, 1, 0.3077, 6, 1, 2, 1, 0, 0]),
      g(BAKER, [12, 5, 5, 1, 0.5, 3, 1, 2, 2, 2, 1]),
      g(CHEN, [10, 3, 4, 2, 0.5714, 3, 1, 2, 1, 1, 1]),
      g(DIAZ, [5, 0, 0, 3, null, 0, 0, 0, 0, 0, 1]),
      g(null, [3, 2, 1, 0, 0.3333, 1, 0, 0, 1, 0, 0]),
    ]);
  });

  it('by location', async () => {
    const res = await t.http
      .get(`/v1/reports/no-shows?${RANGE}&groupBy=location`)
      .set(clinic.auth)
      .expect(200);
    expect(res.body.groups).toEqual([
      g(X, [9, 3, 4, 1, 0.5714, 3, 1, 2, 1, 1, 1]),
      g(E, [15, 4, 6, 4, 0.6, 3, 1, 2, 3, 2, 2]),
      g(M, [19, 11, 4, 2, 0.2667, 7, 1, 2, 1, 0, 0]),
      g(null, [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ]);
  });

  it('by type', async () => {
    const res = await t.http
      .get(`/v1/reports/no-shows?${RANGE}&groupBy=type`)
      .set(clinic.auth)
      .expect(200);
    expect(res.body.groups).toEqual([
      g('checkup', [15, 6, 5, 4, 0.4545, 6, 2, 3, 0, 2, 3]),
      g('cleaning', [25, 11, 8, 3, 0.4211, 5, 1, 3, 4, 1, 0]),
      g(null, [4, 2, 1, 0, 0.3333, 2, 0, 0, 1, 0, 0]),
    ]);
  });

  it('by weekday of the local date, Monday first; the 25-hour Sunday is one day', async () => {
    const res = await t.http
      .get(`/v1/reports/no-shows?${RANGE}&groupBy=weekday`)
      .set(clinic.auth)
      .expect(200);
    expect(res.body.groups).toEqual([
      g('monday', [6, 4, 1, 1, 0.2, 2, 0, 1, 0, 1, 1]),
      g('tuesday', [7, 4, 2, 1, 0.3333, 3, 0, 1, 1, 1, 0]),
      g('wednesday', [6, 2, 2, 1, 0.5, 1, 1, 1, 0, 1, 0]),
      g('thursday', [7, 2, 3, 2, 0.6, 2, 1, 1, 1, 0, 1]),
      g('friday', [6, 3, 2, 1, 0.4, 1, 0, 1, 1, 0, 0]),
      g('saturday', [5, 1, 1, 1, 0.5, 2, 0, 1, 0, 0, 1]),
      g('sunday', [7, 3, 3, 0, 0.5, 2, 1, 0, 2, 0, 0]),
    ]);
  });

  it('the DST day alone: [2026-11-01, 2026-11-02) holds its 25 hours', async () => {
    const res = await t.http
      .get('/v1/reports/no-shows?from=2026-11-01&to=2026-11-02&groupBy=day')
      .set(clinic.auth)
      .expect(200);
    expect(res.body.totals).toEqual(m([7, 3, 3, 0, 0.5, 2, 1, 0, 2, 0, 0]));
    expect(res.body.groups).toEqual([g('2026-11-01', [7, 3, 3, 0, 0.5, 2, 1, 0, 2, 0, 0])]);
  });

  it('by day and by month, for charts over time', async () => {
    const byDay = await t.http
      .get(`/v1/reports/no-shows?${RANGE}&groupBy=day`)
      .set(clinic.auth)
      .expect(200);
    expect(
      byDay.body.groups.map((x: { key: string; appointments: number }) => [x.key, x.appointments]),
    ).toEqual([
      ['2026-10-29', 7],
      ['2026-10-30', 6],
      ['2026-10-31', 5],
      ['2026-11-01', 7],
      ['2026-11-02', 6],
      ['2026-11-03', 7],
      ['2026-11-04', 6],
    ]);
    const byMonth = await t.http
      .get(`/v1/reports/no-shows?${RANGE}&groupBy=month`)
      .set(clinic.auth)
      .expect(200);
    expect(byMonth.body.groups).toEqual([
      g('2026-10', [18, 6, 6, 4, 0.5, 5, 1, 3, 2, 0, 2]),
      g('2026-11', [26, 13, 8, 3, 0.381, 8, 2, 3, 3, 3, 1]),
    ]);
  });

  it('CSV: header, RFC 4180 quoting, formula-like names neutralised, totals last', async () => {
    const res = await t.http
      .get(`/v1/reports/no-shows?${RANGE}&groupBy=location&format=csv`)
      .set(clinic.auth)
      .expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="no-shows_2026-10-29_2026-11-05_location.csv"',
    );
    expect(res.text).toBe(
      [
        'scope,key,appointments,attended,noShows,cancelled,noShowRate,confirmed,noShowsConfirmed,noShowsUnconfirmed,noShowsUnreached,rescheduledByText,cancelledByText',
        "location,'-Annex,9,3,4,1,0.5714,3,1,2,1,1,1",
        'location,"Elm, Suite 2",15,4,6,4,0.6,3,1,2,3,2,2',
        'location,Main St,19,11,4,2,0.2667,7,1,2,1,0,0',
        'location,,1,1,0,0,0,0,0,0,0,0,0',
        'total,,44,19,14,7,0.4242,13,3,6,5,3,3',
        '',
      ].join('\r\n'),
    );
  });

  it('CSV without grouping: the totals row alone; a null rate is an empty cell', async () => {
    const res = await t.http
      .get('/v1/reports/no-shows?from=2026-10-31&to=2026-11-01&format=csv')
      .set(clinic.auth)
      .expect(200);
    expect(res.text.split('\r\n')[1]).toBe('total,,5,1,1,1,0.5,2,0,1,0,0,1');
    const empty = await t.http
      .get('/v1/reports/no-shows?from=2027-01-01&to=2027-01-02&format=csv&groupBy=type')
      .set(clinic.auth)
      .expect(200);
    expect(empty.text.split('\r\n')[1]).toBe('total,,0,0,0,0,,0,0,0,0,0,0');
  });

  it('an empty range is all zeros with a null rate', async () => {
    const res = await t.http
      .get('/v1/reports/no-shows?from=2027-01-01&to=2027-02-01&groupBy=practitioner')
      .set(clinic.auth)
      .expect(200);
    expect(res.body.totals).toEqual(m([0, 0, 0, 0, null, 0, 0, 0, 0, 0, 0]));
    expect(res.body.groups).toEqual([]);
  });

  it('another clinic sees only its own two no-shows', async () => {
    const res = await t.http
      .get(`/v1/reports/no-shows?${RANGE}&groupBy=location`)
      .set(other.auth)
      .expect(200);
    expect(res.body.totals).toEqual(m([2, 0, 2, 0, 1, 0, 0, 2, 0, 0, 0]));
    expect(res.body.groups).toEqual([
      g(X, [1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0]),
      g(M, [1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0]),
    ]);
  });

  it.each([
    ['from=2026-11-05&to=2026-11-05', 'to must be a later date than from'],
    ['from=2026-11-05&to=2026-10-29', 'to must be a later date than from'],
    ['from=2026-01-01&to=2027-02-06', 'to must be at most 400 days after from (got 401)'],
    ['from=2026-02-30&to=2026-03-05', 'from must be a calendar date YYYY-MM-DD (got "2026-02-30")'],
    ['from=2026-11-01&to=tomorrow', 'to must be a calendar date YYYY-MM-DD (got "tomorrow")'],
  ])('%s is a 400: %s', async (query, message) => {
    const res = await t.http.get(`/v1/reports/no-shows?${query}`).set(clinic.auth).expect(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [message] });
  });

  it.each([
    ['from=2026-11-01', /to/],
    [`${RANGE}&groupBy=doctor`, /groupBy/],
    [`${RANGE}&format=xlsx`, /format/],
    [`${RANGE}&clinic=x`, /clinic/],
  ])('%s is a 400 naming the parameter', async (query, field) => {
    const res = await t.http.get(`/v1/reports/no-shows?${query}`).set(clinic.auth).expect(400);
    expect(res.body.message.join(' ')).toMatch(field);
  });

  it('needs the clinic key', async () => {
    await t.http.get(`/v1/reports/no-shows?${RANGE}`).expect(401);
  });

  // Last: it changes the clinic. In Chicago, #1 (00:00 EDT on 10-29) is 23:00 on 10-28, and
  // #45 (00:00 EST on 11-05) is 23:00 on 11-04.
  it('follows the clinic to a new time zone: local dates move with it', async () => {
    await t.http
      .patch('/v1/clinic')
      .set(clinic.auth)
      .send({ timezone: 'America/Chicago' })
      .expect(200);
    const res = await t.http.get(`/v1/reports/no-shows?${RANGE}`).set(clinic.auth).expect(200);
    expect(res.body.timezone).toBe('America/Chicago');
    expect(res.body.totals).toEqual(m([44, 19, 14, 7, 0.4242, 14, 3, 6, 5, 3, 3]));
  });
});
