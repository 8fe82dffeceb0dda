import { EntityManager, QueryFailedError } from 'typeorm';
import { describePgError, pgErrorCode } from '../common/http/pg-errors';
import type { IncomingAppointment } from './import-decision';

/** Postgres errors that belong to one row, not to the batch: retried row by row. */
const ROW_CONFLICTS = new Set(['23505', '23P01', '23514']);

/** A row the database refused, and why. */
export interface RefusedRow<T> {
  row: T;
  kind: 'invalid' | 'conflict';
  errors: string[];
}

/**
 * One statement for the whole set inside a savepoint; when the database refuses a row (an
 * overlap, a race on the same externalId), retry row by row so only that row fails. The fast
 * path is what almost every batch takes; the slow one costs a savepoint per row.
 */
export async function bulkWithRowFallback<T extends { item: IncomingAppointment }>(
  m: EntityManager,
  rows: T[],
  write: (batch: T[]) => Promise<Map<string, string>>,
): Promise<{ written: Map<string, string>; refused: RefusedRow<T>[] }> {
  await m.query('SAVEPOINT bulk');
  try {
    const written = await write(rows);
    await m.query('RELEASE SAVEPOINT bulk');
    return { written, refused: [] };
  } catch (e) {
    if (!ROW_CONFLICTS.has(pgErrorCode(e) ?? '')) throw e;
    await m.query('ROLLBACK TO SAVEPOINT bulk');
  }
  const written = new Map<string, string>();
  const refused: RefusedRow<T>[] = [];
  for (const row of rows) {
    await m.query('SAVEPOINT row');
    try {
      for (const [k, v] of await write([row])) written.set(k, v);
      await m.query('RELEASE SAVEPOINT row');
    } catch (e) {
      const code = pgErrorCode(e) ?? '';
      if (!ROW_CONFLICTS.has(code) || !(e instanceof QueryFailedError)) throw e;
      await m.query('ROLLBACK TO SAVEPOINT row');
      refused.push({
        row,
        kind: code === '23514' ? 'invalid' : 'conflict',
        errors: describePgError(e)?.message ?? ['conflicts with existing data'],
      });
    }
  }
  return { written, refused };
}
