import { StartupError } from './startup-error';

/** The URL without its password, to name the server in a message. */
export function describeDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    url.password = '';
    return url.toString();
  } catch {
    return '(DATABASE_URL is not a URL)';
  }
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, errors } = err as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect reports one AggregateError for IPv6 and IPv4 together.
  return Array.isArray(errors) ? codeOf(errors[0]) : undefined;
}

/**
 * The first connection to DATABASE_URL failed: say which server, why, and what to do. Returns
 * undefined for an error that is not about reaching or logging into the server.
 */
export function databaseStartupError(err: unknown, databaseUrl: string): StartupError | undefined {
  const where = describeDatabaseUrl(databaseUrl);
  const user = (() => {
    try {
      return decodeURIComponent(new URL(databaseUrl).username) || 'the default user';
    } catch {
      return 'the user';
    }
  })();
  const fix = 'start it, or fix DATABASE_URL (unset it to use the embedded PostgreSQL)';
  switch (codeOf(err)) {
    case 'ECONNREFUSED':
      return new StartupError(`cannot reach PostgreSQL at ${where}: connection refused; ${fix}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`cannot reach PostgreSQL at ${where}: unknown host; ${fix}`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new StartupError(`cannot reach PostgreSQL at ${where}: no answer; ${fix}`);
    case '28P01':
      return new StartupError(
        `PostgreSQL at ${where} refused the password for ${user}: fix the password in DATABASE_URL`,
      );
    case '28000':
      return new StartupError(
        `PostgreSQL at ${where} refused ${user} (no such role, or pg_hba.conf does not allow it): ` +
          'fix the user in DATABASE_URL or the server’s pg_hba.conf',
      );
    case '3D000':
      return new StartupError(
        `the database in ${where} does not exist: create it (createdb) or fix DATABASE_URL`,
      );
    default:
      return undefined;
  }
}
