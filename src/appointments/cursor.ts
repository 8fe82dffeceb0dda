import { InvalidInputError } from '../common/errors/domain-errors';

/** Opaque keyset cursor: the (starts_at, id) of the last item of the previous page. */
export function encodeCursor(startsAt: Date, id: string): string {
  return Buffer.from(`${startsAt.toISOString()}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { startsAt: Date; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/i.exec(text);
  const startsAt = match ? new Date(match[1]) : undefined;
  if (!match || !startsAt || Number.isNaN(startsAt.getTime())) {
    throw new InvalidInputError(['cursor is not valid: pass nextCursor from the previous page']);
  }
  return { startsAt, id: match[2] };
}
