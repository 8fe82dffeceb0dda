import type { Appointment } from '@medplum/fhirtypes';
import {
  FHIR_FIELDS,
  FHIR_READ_STATUS,
  FHIR_WRITE_STATUS,
  joinIncluded,
  mapFhirAppointment,
  outcomeText,
  patchFor,
} from './fhir-mapping';

const appointment = (extra: Partial<Appointment> = {}): Appointment => ({
  resourceType: 'Appointment',
  id: 'a1',
  status: 'booked',
  start: '2026-12-03T15:30:00Z',
  end: '2026-12-03T16:15:00Z',
  appointmentType: { coding: [{ display: 'cleaning' }] },
  participant: [
    { actor: { reference: 'Practitioner/kim' }, status: 'accepted' },
    { actor: { reference: 'Patient/p1' }, status: 'needs-action' },
    { actor: { reference: 'Location/main' }, status: 'accepted' },
  ],
  ...extra,
});

const bundle = (
  a: Appointment,
  phone: { system: 'sms' | 'phone'; use?: 'mobile' | 'home' } = { system: 'sms' },
) =>
  joinIncluded([
    a,
    {
      resourceType: 'Patient',
      id: 'p1',
      name: [{ given: ['Ana'], family: 'Diaz' }],
      telecom: [
        { system: 'phone', use: 'home', value: '+13125550000' },
        { ...phone, value: '+13125550123' },
      ],
      communication: [
        { language: { coding: [{ code: 'en' }] } },
        { language: { coding: [{ code: 'es-MX' }] }, preferred: true },
      ],
    },
    { resourceType: 'Practitioner', id: 'kim', name: [{ prefix: ['Dr.'], family: 'Kim' }] },
    { resourceType: 'Location', id: 'main', name: 'Main St' },
  ])[0];

const item = (a = appointment(), phone?: Parameters<typeof bundle>[1]) => {
  const m = mapFhirAppointment(bundle(a, phone));
  if (m.kind !== 'mapped') throw new Error(m.unmapped.reason);
  return m.item as unknown as Record<string, Record<string, unknown>>;
};

describe('the FHIR mapping table', () => {
  const expected: Record<string, unknown> = {
    externalId: 'Appointment/a1',
    'patient.phone': '+13125550123',
    'patient.name': 'Ana Diaz',
    'patient.language': 'es',
    startsAt: '2026-12-03T15:30:00Z',
    durationMinutes: 45,
    practitioner: 'Dr. Kim',
    location: 'Main St',
    type: 'cleaning',
    status: 'scheduled',
  };
  it('has one row per field', () => {
    expect(FHIR_FIELDS.map((r) => r.field).sort()).toEqual(Object.keys(expected).sort());
  });
  it.each(FHIR_FIELDS.map((r) => [r.field, r.source]))('%s <- %s', (field) => {
    const i = item();
    expect(field.startsWith('patient.') ? i.patient[field.slice(8)] : i[field]).toEqual(
      expected[field],
    );
  });
  it('a mobile phone serves when there is no sms telecom', () => {
    expect(item(appointment(), { system: 'phone', use: 'mobile' }).patient.phone).toBe(
      '+13125550123',
    );
  });
});

describe('FHIR_READ_STATUS', () => {
  it.each(Object.entries(FHIR_READ_STATUS))('%s -> %s', (status, target) => {
    expect(item(appointment({ status: status as Appointment['status'] })).status).toBe(target);
  });
  it.each(['proposed', 'pending', 'waitlist'])('%s is not mapped', (status) => {
    const m = mapFhirAppointment(bundle(appointment({ status: status as Appointment['status'] })));
    expect(m).toMatchObject({
      kind: 'unmapped',
      unmapped: { reason: `status ${status} is not a booked appointment` },
    });
  });
});

describe('FHIR_WRITE_STATUS', () => {
  const change = { startsAt: '2026-12-03T15:30:00Z', endsAt: '2026-12-03T16:15:00Z', moved: false };
  it.each(Object.entries(FHIR_WRITE_STATUS))('%s patches %j', (status, target) => {
    const ops = patchFor(appointment(), { ...change, status: status as never });
    const expected = [];
    if (target.status) expected.push({ op: 'replace', path: '/status', value: target.status });
    if (target.status === 'cancelled')
      expected.push({ op: 'add', path: '/cancelationReason', value: expect.anything() });
    if (target.participant)
      expected.push({ op: 'replace', path: '/participant/1/status', value: target.participant });
    expect(ops).toEqual(expected);
  });
  it('a move replaces start and end; an EHR cancellation is never reopened', () => {
    expect(
      patchFor(appointment(), {
        ...change,
        status: 'scheduled',
        moved: true,
        startsAt: '2026-12-04T15:30:00Z',
        endsAt: '2026-12-04T16:15:00Z',
      }),
    ).toEqual([
      { op: 'replace', path: '/start', value: '2026-12-04T15:30:00Z' },
      { op: 'replace', path: '/end', value: '2026-12-04T16:15:00Z' },
    ]);
    expect(
      patchFor(appointment({ status: 'cancelled' }), { ...change, status: 'confirmed' }),
    ).toEqual([]);
  });
});

describe('unmapped', () => {
  it('a group appointment (two patients) and one without a patient are listed, not guessed', () => {
    const group = appointment({
      participant: [
        { actor: { reference: 'Patient/p1' }, status: 'needs-action' },
        { actor: { reference: 'Patient/p2' }, status: 'needs-action' },
      ],
    });
    expect(mapFhirAppointment(bundle(group))).toMatchObject({
      unmapped: { reason: 'group appointment: 2 patient participants' },
    });
    expect(mapFhirAppointment(bundle(appointment({ participant: [] })))).toMatchObject({
      unmapped: { reason: 'no patient participant' },
    });
  });
  it('reads an OperationOutcome as text', () => {
    expect(
      outcomeText(
        {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'conflict', diagnostics: 'version 3 is current' }],
        },
        'x',
      ),
    ).toBe('error conflict: version 3 is current');
    expect(outcomeText('<html>', 'fallback')).toBe('fallback');
  });
});
