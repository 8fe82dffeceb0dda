/**
 * TypeORM's postgres driver answers `query()` with `[rows, rowCount]` for UPDATE and DELETE
 * (a CTE ending in one included) but with plain `rows` for everything else; this reads both.
 */
export function returningRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
