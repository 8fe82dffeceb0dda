import { QueryFailedError } from 'typeorm';

interface PgDriverError {
  code?: string;
  constraint?: string;
}

/** Constraint names the schema uses, in words a clinic understands. */
const CONSTRAINT_MESSAGES: Record<string, string> = {
  appointments_no_overlap: 'practitioner already has an appointment overlapping that time',
  appointments_external_unique: 'externalId already exists',
  clinics_sender_unique: 'senderNumber is already used by another clinic with this provider',
  patients_phone_unique: 'patient.phone already exists',
  slots_unique: 'a slot for this practitioner at this time already exists',
  slots_booked_appointment_id_key: 'slot is already booked',
};

/**
 * Maps a violated constraint to a 409 (or a 400 for data the database refused), so a race that
 * gets past the application's checks is still a clear answer, never a 500.
 */
export function describePgError(
  error: QueryFailedError,
): { status: number; message: string[] } | undefined {
  const driver = error.driverError as PgDriverError | undefined;
  const code = driver?.code;
  const constraint = driver?.constraint ?? '';
  const named = CONSTRAINT_MESSAGES[constraint];
  switch (code) {
    case '23505': // unique_violation
    case '23P01': // exclusion_violation
      return { status: 409, message: [named ?? `conflicts with existing data (${constraint})`] };
    case '23503': // foreign_key_violation
      return {
        status: 409,
        message: [named ?? `refers to data that does not exist (${constraint})`],
      };
    case '23514': // check_violation
    case '23502': // not_null_violation
    case '22001': // string_data_right_truncation
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
    case '22P02': // invalid_text_representation
    case '22021': // character_not_in_repertoire (U+0000 in text)
    case '22P05': // untranslatable_character
      return { status: 400, message: [named ?? `invalid value (${constraint || code})`] };
    default:
      return undefined;
  }
}

export function pgErrorCode(error: unknown): string | undefined {
  if (error instanceof QueryFailedError) return (error.driverError as PgDriverError)?.code;
  return undefined;
}
