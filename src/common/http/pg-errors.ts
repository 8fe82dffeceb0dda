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
 * gets past the application's checks is still a clear answer, never a 500. Messages say what was
 * wrong with the input; database codes and constraint names stay out of them (they describe
 * our schema, not the client's mistake).
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
      return { status: 409, message: [named ?? 'conflicts with existing data'] };
    case '23503': // foreign_key_violation
      return { status: 409, message: [named ?? 'refers to data that does not exist'] };
    case '23514': // check_violation
    case '23502': // not_null_violation
      return { status: 400, message: [named ?? columnCheckMessage(constraint)] };
    case '22001': // string_data_right_truncation
      return { status: 400, message: ['a text value is too long'] };
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
      return { status: 400, message: ['a date or time is out of range'] };
    case '22P02': // invalid_text_representation
      return { status: 400, message: ['a value has the wrong format'] };
    case '22021': // character_not_in_repertoire (U+0000 in text)
    case '22P05': // untranslatable_character
      return {
        status: 400,
        message: ['text must not contain NUL characters or unpaired UTF-16 surrogates'],
      };
    default:
      return undefined;
  }
}

/**
 * PostgreSQL names a column's own check `<table>_<column>_check`: the column, in the API's
 * camelCase, is what the client can act on; the table and the check's name stay ours.
 */
function columnCheckMessage(constraint: string): string {
  const column = /^[a-z]+_([a-z_]+?)_check$/.exec(constraint)?.[1];
  if (!column) return 'a value is missing or outside its allowed range';
  const field = column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return `${field} is missing or outside its allowed range`;
}

/**
 * PostgreSQL gave up a transaction because another one held what it needed: a deadlock it broke
 * by aborting this side, a serialization failure, a lock it could not take at once. The whole
 * transaction rolled back, so nothing was written and the same request sent again succeeds:
 * the answer is a 503 with a short Retry-After, never a 500.
 */
const TRANSIENT_CONFLICT_CODES = new Set([
  '40P01', // deadlock_detected
  '40001', // serialization_failure
  '55P03', // lock_not_available
]);

/** Seconds a client waits before sending a request that met a transient conflict again. */
export const CONFLICT_RETRY_AFTER_SECONDS = 1;

export function isTransientConflict(error: unknown): boolean {
  const code = pgErrorCode(error);
  return code !== undefined && TRANSIENT_CONFLICT_CODES.has(code);
}

export function pgErrorCode(error: unknown): string | undefined {
  if (error instanceof QueryFailedError) return (error.driverError as PgDriverError)?.code;
  return undefined;
}
