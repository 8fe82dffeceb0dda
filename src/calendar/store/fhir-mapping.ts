import type {
  Appointment,
  AppointmentParticipant,
  Location,
  Patient,
  Practitioner,
  Resource,
} from '@medplum/fhirtypes';
import type { AppointmentStatus } from '../../appointments/appointment.machine';
import type { UnmappedEvent, UploadItem } from './calendar-store.port';

/** An Appointment with the resources its search `_include`d (and its own contained ones). */
export interface FhirAppointment {
  appointment: Appointment;
  patients: Patient[];
  practitioner: Practitioner | null;
  location: Location | null;
}

/** The identifier system of the externalId of an Appointment Turnout booked (POSTed). */
export const TURNOUT_ID_SYSTEM = 'urn:turnout:externalId';

type Field = keyof UploadItem | 'patient.phone' | 'patient.name' | 'patient.language';

const humanName = (r: Patient | Practitioner | undefined | null): string | undefined => {
  const n = r?.name?.[0];
  if (!n) return undefined;
  return (
    n.text ??
    ([...(n.prefix ?? []), ...(n.given ?? []), n.family].filter(Boolean).join(' ') || undefined)
  );
};

/** The phone texts go to: a telecom of system `sms`, else a `phone` whose use is `mobile`. */
export function patientPhone(p: Patient | undefined): string | undefined {
  const telecom = p?.telecom ?? [];
  return (
    telecom.find((t) => t.system === 'sms' && t.value)?.value ??
    telecom.find((t) => t.system === 'phone' && t.use === 'mobile' && t.value)?.value
  );
}

function patientLanguage(p: Patient | undefined): 'en' | 'es' | undefined {
  const c = p?.communication ?? [];
  const chosen = c.find((x) => x.preferred) ?? c[0];
  const code = chosen?.language?.coding?.[0]?.code ?? chosen?.language?.text;
  const base = code?.toLowerCase().split('-')[0];
  return base === 'en' || base === 'es' ? base : undefined;
}

/**
 * The FHIR R4 mapping, one row per appointment field: where in the Appointment (or the
 * resources it references) it is read from. Each row has its own spec (fhir-mapping.spec.ts).
 */
export const FHIR_FIELDS: {
  field: Field;
  source: string;
  read: (a: FhirAppointment) => unknown;
}[] = [
  {
    field: 'externalId',
    source: 'Appointment/<id>; for one Turnout booked, its identifier of system TURNOUT_ID_SYSTEM',
    read: (a) =>
      a.appointment.identifier?.find((i) => i.system === TURNOUT_ID_SYSTEM)?.value ??
      `Appointment/${a.appointment.id}`,
  },
  {
    field: 'patient.phone',
    source: "the patient participant's Patient.telecom: system sms, or a mobile phone",
    read: (a) => patientPhone(a.patients[0]),
  },
  {
    field: 'patient.name',
    source: 'Patient.name (text, or prefix given family)',
    read: (a) => humanName(a.patients[0]),
  },
  {
    field: 'patient.language',
    source: 'Patient.communication (preferred, else first) language code: en, es',
    read: (a) => patientLanguage(a.patients[0]),
  },
  { field: 'startsAt', source: 'Appointment.start', read: (a) => a.appointment.start },
  {
    field: 'durationMinutes',
    source: 'Appointment.end minus start (else minutesDuration)',
    read: (a) =>
      a.appointment.start && a.appointment.end
        ? Math.round((Date.parse(a.appointment.end) - Date.parse(a.appointment.start)) / 60_000)
        : a.appointment.minutesDuration,
  },
  {
    field: 'practitioner',
    source: 'the Practitioner participant’s name',
    read: (a) => humanName(a.practitioner),
  },
  { field: 'location', source: 'the Location participant’s name', read: (a) => a.location?.name },
  {
    field: 'type',
    source: 'Appointment.appointmentType (text, else first coding display), else serviceType',
    read: (a) =>
      a.appointment.appointmentType?.text ??
      a.appointment.appointmentType?.coding?.[0]?.display ??
      a.appointment.serviceType?.[0]?.text ??
      a.appointment.serviceType?.[0]?.coding?.[0]?.display,
  },
  {
    field: 'status',
    source: 'Appointment.status (see FHIR_READ_STATUS)',
    read: (a) => FHIR_READ_STATUS[a.appointment.status ?? ''],
  },
];

/** Appointment.status as an upload's status; a status not listed here is not an appointment. */
export const FHIR_READ_STATUS: Record<string, 'scheduled' | 'cancelled'> = {
  booked: 'scheduled',
  arrived: 'scheduled',
  fulfilled: 'scheduled',
  noshow: 'scheduled',
  checkedin: 'scheduled',
  cancelled: 'cancelled',
  'entered-in-error': 'cancelled',
};

/**
 * What each appointment status writes: Appointment.status and the patient participant's
 * status (absent: left as the EHR has it).
 */
export const FHIR_WRITE_STATUS: Record<
  AppointmentStatus,
  { status?: Appointment['status']; participant?: AppointmentParticipant['status'] }
> = {
  scheduled: {},
  confirmed: { participant: 'accepted' },
  reschedule_requested: {},
  cancelled: { status: 'cancelled', participant: 'declined' },
  arrived: { status: 'arrived' },
  completed: { status: 'fulfilled' },
  no_show: { status: 'noshow' },
};

export const CANCELATION_REASON = { text: 'Cancelled by the patient through Turnout' };

const isPatientRef = (p: AppointmentParticipant) =>
  /(^|\/)Patient\//.test(p.actor?.reference ?? '') || p.actor?.reference === '#patient';

export function unmappedReason(a: FhirAppointment): string | null {
  const status = a.appointment.status ?? '';
  if (!(status in FHIR_READ_STATUS))
    return `status ${status || '(none)'} is not a booked appointment`;
  const patients = (a.appointment.participant ?? []).filter(isPatientRef);
  if (patients.length === 0) return 'no patient participant';
  if (patients.length > 1) return `group appointment: ${patients.length} patient participants`;
  if (!a.patients[0]) return `patient ${patients[0].actor?.reference} not included in the search`;
  if (!patientPhone(a.patients[0])) return 'the patient has no sms or mobile phone telecom';
  if (!a.appointment.start) return 'no start';
  return null;
}

export type FhirMapped =
  { kind: 'mapped'; item: UploadItem } | { kind: 'unmapped'; unmapped: UnmappedEvent };

export function mapFhirAppointment(a: FhirAppointment): FhirMapped {
  const ref = `Appointment/${a.appointment.id}`;
  const reason = unmappedReason(a);
  const summary = a.appointment.description ?? a.appointment.comment ?? null;
  if (reason) return { kind: 'unmapped', unmapped: { ref, summary, reason } };
  const item: Record<string, unknown> = { patient: {} };
  for (const row of FHIR_FIELDS) {
    const value = row.read(a);
    if (value === undefined || value === null) continue;
    if (row.field.startsWith('patient.')) {
      (item.patient as Record<string, unknown>)[row.field.slice('patient.'.length)] = value;
    } else item[row.field] = value;
  }
  return { kind: 'mapped', item: item as unknown as UploadItem };
}

/** Groups a search Bundle's entries: each matched Appointment with what it references. */
export function joinIncluded(resources: Resource[]): FhirAppointment[] {
  const byRef = new Map<string, Resource>();
  for (const r of resources) if (r.id) byRef.set(`${r.resourceType}/${r.id}`, r);
  return resources
    .filter((r): r is Appointment => r.resourceType === 'Appointment')
    .map((appointment) => {
      const resolve = (ref: string | undefined): Resource | undefined => {
        if (!ref) return undefined;
        if (ref.startsWith('#')) return appointment.contained?.find((c) => `#${c.id}` === ref);
        return byRef.get(ref.replace(/^.*\/(\w+\/[^/]+)$/, '$1'));
      };
      const actors = (appointment.participant ?? []).map((p) => resolve(p.actor?.reference));
      return {
        appointment,
        patients: actors.filter((r): r is Patient => r?.resourceType === 'Patient'),
        practitioner:
          actors.find((r): r is Practitioner => r?.resourceType === 'Practitioner') ?? null,
        location: actors.find((r): r is Location => r?.resourceType === 'Location') ?? null,
      };
    });
}

export type JsonPatchOp =
  | { op: 'replace' | 'add'; path: string; value: unknown }
  | { op: 'test'; path: string; value: unknown };

/**
 * The JSON Patch that makes the Appointment say what the change says, or [] when it already
 * does. An Appointment the EHR itself cancelled is never reopened: its cancel is newer news.
 */
export function patchFor(
  current: Appointment,
  change: { status: AppointmentStatus; startsAt: string; endsAt: string; moved: boolean },
): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  if (current.status === 'cancelled' || current.status === 'entered-in-error') return ops;
  const target = FHIR_WRITE_STATUS[change.status];
  if (target.status && current.status !== target.status) {
    ops.push({ op: 'replace', path: '/status', value: target.status });
    if (target.status === 'cancelled') {
      ops.push({ op: 'add', path: '/cancelationReason', value: CANCELATION_REASON });
    }
  }
  if (target.participant) {
    (current.participant ?? []).forEach((p, i) => {
      if (isPatientRef(p) && p.status !== target.participant) {
        ops.push({ op: 'replace', path: `/participant/${i}/status`, value: target.participant });
      }
    });
  }
  if (change.moved) {
    if (!current.start || Date.parse(current.start) !== Date.parse(change.startsAt)) {
      ops.push({ op: current.start ? 'replace' : 'add', path: '/start', value: change.startsAt });
    }
    if (!current.end || Date.parse(current.end) !== Date.parse(change.endsAt)) {
      ops.push({ op: current.end ? 'replace' : 'add', path: '/end', value: change.endsAt });
    }
  }
  return ops;
}

/** A new Appointment for a booking by Turnout; the patient contained, with the phone to text. */
export function newAppointment(a: {
  externalId: string;
  status: AppointmentStatus;
  startsAt: string;
  endsAt: string;
  patient: { name: string | null; phone: string };
  practitioner: string | null;
  location: string | null;
  type: string | null;
}): Appointment {
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'patient',
    telecom: [{ system: 'sms', value: a.patient.phone }],
    ...(a.patient.name ? { name: [{ text: a.patient.name }] } : {}),
  };
  const participant: AppointmentParticipant[] = [
    {
      actor: { reference: '#patient', display: a.patient.name ?? undefined },
      status: FHIR_WRITE_STATUS[a.status].participant ?? 'needs-action',
    },
  ];
  const contained: Resource[] = [patient];
  if (a.practitioner) {
    contained.push({
      resourceType: 'Practitioner',
      id: 'practitioner',
      name: [{ text: a.practitioner }],
    });
    participant.push({ actor: { reference: '#practitioner' }, status: 'accepted' });
  }
  if (a.location) {
    contained.push({ resourceType: 'Location', id: 'location', name: a.location });
    participant.push({ actor: { reference: '#location' }, status: 'accepted' });
  }
  return {
    resourceType: 'Appointment',
    identifier: [{ system: TURNOUT_ID_SYSTEM, value: a.externalId }],
    status: FHIR_WRITE_STATUS[a.status].status ?? 'booked',
    start: a.startsAt,
    end: a.endsAt,
    contained,
    participant,
    ...(a.type ? { appointmentType: { text: a.type } } : {}),
  };
}

/** The text of an OperationOutcome (or whatever the body was), for the store's last error. */
export function outcomeText(body: unknown, fallback: string): string {
  const o = body as {
    resourceType?: string;
    issue?: {
      severity?: string;
      code?: string;
      diagnostics?: string;
      details?: { text?: string };
    }[];
  };
  if (o?.resourceType !== 'OperationOutcome' || !o.issue?.length) return fallback;
  return o.issue
    .map((i) =>
      `${i.severity ?? 'error'} ${i.code ?? ''}: ${i.diagnostics ?? i.details?.text ?? ''}`.trim(),
    )
    .join('; ');
}
