import type { FhirTestServer } from '../../test/support/fhir/fhir-test-server';

/** The bench's calendar: visit i with practitioner i % 50, weekdays' 30-minute slots. */
export const PRACTITIONERS = 50;

/** Visit i: practitioner i % 50, days from 2027-01-04 in 30-minute slots 08:00-17:00 (UTC). */
export function slot(i: number): { practitioner: string; start: Date } {
  const j = Math.floor(i / PRACTITIONERS);
  const day = Math.floor(j / 18);
  const start = new Date(Date.UTC(2027, 0, 4 + day, 14 + Math.floor((j % 18) / 2), (j % 2) * 30));
  return { practitioner: `Dr. P${i % PRACTITIONERS}`, start };
}

export const phone = (i: number) => `+1312${2 + (i % 8)}${String(100_000 + i).padStart(6, '0')}`;

const icsTime = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Visit i as the .ics file a CalDAV server keeps (UID b-<i>). */
export function visitIcs(i: number): string {
  const { practitioner, start } = slot(i);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//turnout bench//EN',
    'BEGIN:VEVENT',
    `UID:b-${i}`,
    'DTSTAMP:20261120T000000Z',
    `DTSTART:${icsTime(start)}`,
    `DTEND:${icsTime(new Date(start.getTime() + 30 * 60_000))}`,
    `ORGANIZER;CN=${practitioner}:mailto:p${i % PRACTITIONERS}@x.example`,
    `ATTENDEE;CN=Patient ${i}:tel:${phone(i)}`,
    'LOCATION:Main St',
    'CATEGORIES:checkup',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/** Visit i as an EHR holds it: Appointment a<i>, Patient p<i>, Practitioner d<i % 50>. */
export function seedFhir(server: FhirTestServer, events: number): void {
  for (let n = 0; n < events; n++) {
    const { practitioner, start } = slot(n);
    server.put({
      resourceType: 'Patient',
      id: `p${n}`,
      name: [{ text: `Patient ${n}` }],
      telecom: [{ system: 'sms', value: phone(n) }],
    });
    if (n < PRACTITIONERS)
      server.put({ resourceType: 'Practitioner', id: `d${n}`, name: [{ text: practitioner }] });
    server.put({
      resourceType: 'Appointment',
      id: `a${n}`,
      status: 'booked',
      start: start.toISOString(),
      end: new Date(start.getTime() + 30 * 60_000).toISOString(),
      participant: [
        { actor: { reference: `Patient/p${n}` }, status: 'needs-action' },
        { actor: { reference: `Practitioner/d${n % PRACTITIONERS}` }, status: 'accepted' },
      ],
    });
  }
}
