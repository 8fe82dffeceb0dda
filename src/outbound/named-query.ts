import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a statement that PostgreSQL parses and plans once per connection and then reuses. The
 * dispatcher's statements run many times a second, and planning one of its CTEs costs more
 * than running it. TypeORM hands its first argument to node-postgres untouched, and
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
