/**
 * TypeORM's postgres driver answers an UPDATE or DELETE (a CTE ending in one included) with
 * `[rows, rowCount]`, and any other statement with plain `rows`; this reads both.
 */
export function returningRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0])) {
    return result[0] as T[];
  }
  return (result ?? []) as T[];
}
