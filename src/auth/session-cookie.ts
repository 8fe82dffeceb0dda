import type { Request } from 'express';

/** The console's session cookie: HttpOnly, SameSite=Strict, 12 hours. */
export const SESSION_COOKIE = 'turnout_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** A person's session ends after this long without a request (automatic logoff). */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/**
 * Cookie-authenticated requests that change something must carry this header. SameSite=Strict
 * already keeps the cookie off cross-site requests; a custom header is a second lock, since a
 * plain HTML form cannot set one and a cross-origin script needs a CORS preflight we never allow.
 */
export const CONSOLE_HEADER = 'x-turnout-console';

export function sessionToken(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value || undefined;
    }
  }
  return undefined;
}

/** Secure on HTTPS (directly or behind a proxy that says so); browsers refuse it on plain HTTP. */
export function sessionCookie(req: Request, token: string, maxAgeMs: number): string {
  const secure = req.secure || req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure}`;
}

export function clearedSessionCookie(req: Request): string {
  return sessionCookie(req, '', 0);
}
