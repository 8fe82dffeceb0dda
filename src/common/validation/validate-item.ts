import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { unstorablePaths } from '../text/storable-text';
import { unstorableMessage } from './storable-input.pipe';

/** Nest's ValidationPipe messages, for items validated one by one (batch uploads). */
export function validationMessages(errors: ValidationError[], parent = ''): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      // the same wording as Nest's ValidationPipe: the parent path, then the message
      out.push(parent ? `${parent}.${message}` : message);
    }
    if (error.children?.length) out.push(...validationMessages(error.children, path));
  }
  return out;
}

export type ItemValidation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export function validateItem<T extends object>(
  cls: ClassConstructor<T>,
  raw: unknown,
): ItemValidation<T> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: ['item must be a JSON object'] };
  }
  const unstorable = unstorablePaths(raw);
  if (unstorable.length > 0) return { ok: false, errors: unstorable.map(unstorableMessage) };
  const value = plainToInstance(cls, raw);
  const errors = validateSync(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) return { ok: false, errors: validationMessages(errors) };
  return { ok: true, value };
}
