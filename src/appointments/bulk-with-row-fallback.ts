import { EntityManager, QueryFailedError } from 'typeorm';
import { describePgError, pgErrorCode } from '../common/http/pg-errors';
import type { ImportOutcome } from './appointment-import.service';
import type { IncomingAppointment } from './import-decision';

/** Postgres errors that belong to one row, not to the batch: retried row by row. */
const ROW_CONFLICTS = new Set(['23505', '23P01', '23514']);

/**
 * One statement for the whole set inside a savepoint; when the database refuses a row (an
 * overlap, a race on the same externalId), retry row by row so only that row fails. The fast
 * path is what almost every batch takes; the slow one costs a savepoint per row.
 */
export async function bulkWithRowFallback<T extends { item: IncomingAppointment }>(
  m: EntityManager,
  rows: T[],
  write: (batch: T[]) => Promise<Map<string, string>>,
  results: ImportOutcome[],
): Promise<Map<string, string>> {
  await m.query('SAVEPOINT bulk');
  try {
    const out = await write(rows);
    await m.query('RELEASE SAVEPOINT bulk');
    return out;
  } catch (e) {
    if (!ROW_CONFLICTS.has(pgErrorCode(e) ?? '')) throw e;
    await m.query('ROLLBACK TO SAVEPOINT bulk');
  }
  const out = new Map<string, string>();
  for (const row of rows) {
    await m.query('SAVEPOINT row');
    try {
      for (const [k, v] of await write([row])) out.set(k, v);
      await m.query('RELEASE SAVEPOINT row');
    } catch (e) {
      const code = pgErrorCode(e) ?? '';
      if (!ROW_CONFLICTS.has(code) || !(e instanceof QueryFailedError)) throw e;
      await m.query('ROLLBACK TO SAVEPOINT row');
      results[row.item.index] = {
        index: row.item.index,
        externalId: row.item.externalId,
        id: null,
        outcome: 'error',
        kind: code === '23514' ? 'invalid' : 'conflict',
        errors: describePgError(e)?.message ?? ['conflicts with existing data'],
      };
    }
  }
  return out;
}
