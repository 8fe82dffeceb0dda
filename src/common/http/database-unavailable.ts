/**
 * Errors that mean "the database cannot be reached right now" (refused, reset, terminated by
 * a restart, out of connections), as opposed to a query it refused. A request that meets one
 * is answered 503 with Retry-After, so a provider retries its webhook and a client its call;
 * nothing was written, since the database never took the statement.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown: the server is restarting
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '53300', // too_many_connections
]);

/** node-postgres says these in words only, without a code. */
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|connection is closed/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown };
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  return (
    e.driverError !== undefined && e.driverError !== error && isDatabaseUnavailable(e.driverError)
  );
}

/** Seconds a client should wait before retrying: about as long as a database restart takes. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
