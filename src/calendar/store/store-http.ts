/** A fetch that counts its requests and gives each a deadline: one per read or write. */
export function countingFetch(timeoutMs: number): { fetch: typeof fetch; requests: () => number } {
  let requests = 0;
  const counted: typeof fetch = (input, init) => {
    requests += 1;
    return fetch(input, {
      ...init,
      redirect: 'manual',
      signal: init?.signal ?? AbortSignal.timeout(timeoutMs),
    });
  };
  return { fetch: counted, requests: () => requests };
}

/** Retry-After as an instant: seconds or an HTTP date; null when absent or unreadable. */
export function retryAfter(header: string | null, now: Date): Date | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return new Date(now.getTime() + Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : new Date(at);
}

export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
