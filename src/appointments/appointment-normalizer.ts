import type { ClinicEntity } from '../clinics/clinic.entity';
import { normalizePhone } from '../common/phone/phone';
import { parseStartsAt, TimeInputError } from '../common/time/starts-at';
import { validateItem } from '../common/validation/validate-item';
import { UpsertAppointmentDto } from './dto/upsert-appointment.dto';
import type { IncomingAppointment } from './import-decision';

export type Normalized = { ok: true; value: IncomingAppointment } | { ok: false; errors: string[] };

const DEFAULT_DURATION_MINUTES = 30;
const emptyToNull = (v: string | undefined): string | null => (v && v.trim() ? v.trim() : null);

/** Validates one uploaded appointment and resolves its phone and start in the clinic's terms. */
export function normalizeAppointment(
  raw: unknown,
  index: number,
  clinic: Pick<ClinicEntity, 'timezone' | 'defaultCountry'>,
  phones: Map<string, string | null> = new Map(),
): Normalized {
  let dto: UpsertAppointmentDto;
  if (raw instanceof UpsertAppointmentDto) {
    dto = raw;
  } else {
    const checked = validateItem(UpsertAppointmentDto, raw);
    if (!checked.ok) return checked;
    dto = checked.value;
  }
  const errors: string[] = [];
  // A batch names the same patient many times; parsing a number is the costly part.
  let phone = phones.get(dto.patient.phone);
  if (phone === undefined) {
    phone = normalizePhone(dto.patient.phone, clinic.defaultCountry);
    phones.set(dto.patient.phone, phone);
  }
  if (!phone) errors.push('patient.phone must be a valid phone number');
  let startsAt: Date | undefined;
  try {
    startsAt = parseStartsAt(dto.startsAt, clinic.timezone);
  } catch (e) {
    if (!(e instanceof TimeInputError)) throw e;
    errors.push(e.message);
  }
  if (errors.length > 0 || !phone || !startsAt) return { ok: false, errors };
  const durationMinutes = dto.durationMinutes ?? DEFAULT_DURATION_MINUTES;
  return {
    ok: true,
    value: {
      index,
      externalId: dto.externalId.trim(),
      phone,
      patientName: dto.patient.name?.trim() ?? null,
      language: dto.patient.language ?? null,
      patientTimezone: dto.patient.timezone ?? null,
      consent: dto.patient.consent
        ? {
            method: dto.patient.consent.method,
            at: new Date(dto.patient.consent.at),
            note: dto.patient.consent.note ?? null,
          }
        : null,
      startsAt,
      endsAt: new Date(startsAt.getTime() + durationMinutes * 60_000),
      durationMinutes,
      practitioner: emptyToNull(dto.practitioner),
      location: emptyToNull(dto.location),
      type: emptyToNull(dto.type),
      status: dto.status ?? 'scheduled',
    },
  };
}
