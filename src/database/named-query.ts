import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a statement that PostgreSQL parses and plans once per connection and then reuses. The
 * hot statements (the dispatcher's, the inbox's, a patient text's) run many times a second, and
 * planning one of their CTEs costs more than running it. Beware a set-returning function over
 * a parameter (json_to_recordset): its row estimate is a guess, the same for a custom and a
 * generic plan, so PostgreSQL settles on the generic one; give each table an indexable
 * condition on the parameters (see OutcomesRepository). TypeORM hands its first argument to node-postgres untouched, and
 * node-postgres takes a `{ name, text }` config as well as a string; TypeORM's type only
 * admits the string.
 */
export function namedQuery(
  db: DataSource | EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<unknown> {
  return db.query({ name, text } as unknown as string, values);
}
