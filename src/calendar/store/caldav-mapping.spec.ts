import {
  applyChange,
  CALDAV_FIELDS,
  CALDAV_READ_STATUS,
  CALDAV_WRITE_STATUS,
  mapCalDavEvent,
} from './caldav-mapping';

const ics = (...lines: string[]) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//spec//EN',
    'BEGIN:VEVENT',
    'UID:v-1',
    'DTSTAMP:20261120T000000Z',
    ...lines,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

const VISIT = [
  'DTSTART;TZID=America/Chicago:20261203T093000',
  'DTEND;TZID=America/Chicago:20261203T100000',
  'ORGANIZER;CN=Dr. Kim:mailto:kim@x.example',
  'ATTENDEE;CN=Ana Diaz;LANGUAGE=es-MX:tel:+1 (312) 555-0123',
  'ATTENDEE;CN=Reception:mailto:front@x.example',
  'LOCATION:Main St',
  'CATEGORIES:cleaning,hygiene',
  'STATUS:TENTATIVE',
];

const mapped = (...lines: string[]) => {
  const m = mapCalDavEvent(ics(...lines), 'https://dav/x/v-1.ics', 'America/Chicago');
  if (m.kind !== 'mapped') throw new Error(m.unmapped.reason);
  return m.item;
};

describe('the CalDAV mapping table', () => {
  const expected: Record<string, unknown> = {
    externalId: 'v-1',
    'patient.phone': '+13125550123',
    'patient.name': 'Ana Diaz',
    'patient.language': 'es',
    startsAt: '2026-12-03T15:30:00.000Z',
    durationMinutes: 30,
    practitioner: 'Dr. Kim',
    location: 'Main St',
    type: 'cleaning',
    status: 'scheduled',
  };

  it('has one row per field, each with its source', () => {
    expect(CALDAV_FIELDS.map((r) => r.field).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(CALDAV_FIELDS.map((r) => [r.field, r.source]))('%s <- %s', (field) => {
    const item = mapped(...VISIT) as unknown as Record<string, Record<string, unknown>>;
    const value = field.startsWith('patient.') ? item.patient[field.slice(8)] : item[field];
    expect(value).toEqual(expected[field]);
  });

  it('DURATION stands for DTEND; a Z time is UTC; a floating time is the clinic zone', () => {
    expect(mapped(...VISIT.slice(2), 'DTSTART:20261203T153000Z', 'DURATION:PT45M')).toMatchObject({
      startsAt: '2026-12-03T15:30:00.000Z',
      durationMinutes: 45,
    });
    expect(
      mapped(...VISIT.slice(2), 'DTSTART:20261203T093000', 'DTEND:20261203T100000'),
    ).toMatchObject({
      startsAt: '2026-12-03T15:30:00.000Z',
    });
  });
});

describe('CALDAV_READ_STATUS', () => {
  it.each(Object.entries(CALDAV_READ_STATUS))('STATUS:%s -> %s', (status, target) => {
    expect(mapped(...VISIT.slice(0, -1), `STATUS:${status}`).status).toBe(target);
  });
  it('no STATUS is scheduled', () => {
    expect(mapped(...VISIT.slice(0, -1)).status).toBe('scheduled');
  });
});

describe('CALDAV_WRITE_STATUS', () => {
  const at = {
    startsAt: new Date('2026-12-03T15:30:00Z'),
    endsAt: new Date('2026-12-03T16:00:00Z'),
    moved: false,
  };
  it.each(Object.entries(CALDAV_WRITE_STATUS))('%s writes %j', (status, target) => {
    const out = applyChange(ics(...VISIT), { ...at, status: status as never }, 'America/Chicago')!;
    expect(out).toContain(`X-TURNOUT-STATUS:${status}`);
    expect(out).toContain(`STATUS:${target.status ?? 'TENTATIVE'}`);
    expect(out).toContain(
      `ATTENDEE;CN=Ana Diaz;LANGUAGE=es-MX${target.partstat ? `;PARTSTAT=${target.partstat}` : ''}:tel:`,
    );
    // only the patient's attendee line changes
    expect(out).toContain('ATTENDEE;CN=Reception:mailto:front@x.example');
  });

  it('never reopens an event the calendar cancelled', () => {
    const out = applyChange(
      ics(...VISIT.slice(0, -1), 'STATUS:CANCELLED'),
      { ...at, status: 'confirmed' },
      'America/Chicago',
    );
    expect(out).toBeNull();
  });
});

describe('what is not mapped, and why', () => {
  const reason = (...lines: string[]) => {
    const m = mapCalDavEvent(ics(...lines), 'ref', 'America/Chicago');
    return m.kind === 'unmapped' ? m.unmapped.reason : null;
  };
  it.each([
    [
      'no tel: attendee',
      VISIT.filter((l) => !l.includes('tel:')),
      /no attendee with a tel: address/,
    ],
    ['a group event', [...VISIT, 'ATTENDEE;CN=Bo:tel:+13125550199'], /^group event: 2 attendees/],
    ['a recurring event', [...VISIT, 'RRULE:FREQ=WEEKLY;COUNT=3'], /^recurring event/],
    ['an all-day event', [...VISIT.slice(2), 'DTSTART;VALUE=DATE:20261203'], /^all-day event/],
    [
      'an unknown TZID',
      [...VISIT.slice(2), 'DTSTART;TZID=Nowhere/Else:20261203T093000'],
      /^unknown TZID Nowhere\/Else/,
    ],
  ])('%s', (_name, lines, why) => {
    expect(reason(...lines)).toMatch(why);
  });
});
