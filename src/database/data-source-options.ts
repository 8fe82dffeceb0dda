import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';

/**
 * The single DataSource definition, shared by the app, the migration CLI and the tests.
 * Migrations are found next to this file's build output: `migrations/*.ts` under ts-node and
 * jest, `dist/migrations/*.js` after `nest build`.
 */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: 'schema_migrations',
    // One transaction per migration: a failed one leaves the schema where the last one left it.
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Failed queries are reported by the exception filter; TypeORM's own log would print
    // parameters, i.e. patients' phone numbers.
    logging: false,
    // A database that does not answer a connection within 5 s is down: callers get an error
    // (a 503) instead of waiting in the pool's queue for ever.
    extra: { max: 10, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 },
  };
}
