import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/** Whether nothing listens on `port` (on `host`), checked by listening for a moment. */
export function isPortFree(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port for a process about to be started (a test's or a bench's service or PostgreSQL), picked
 * below the kernel's ephemeral range (Linux 32768-60999, macOS and Windows 49152-65535).
 *
 * Asking the kernel for port 0 hands out a port FROM that range, and until the child process
 * binds it, any outgoing connection on the machine (a database client, an HTTP call) may be given
 * the same port as its local end: a CI run saw a service started on such a port refuse to start
 * with EADDRINUSE. A port below the range is never handed to an outgoing connection, so only
 * another picker could take it, and a random pick among 12,000 makes that negligible.
 */
export async function pickFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = randomInt(20_000, 32_000);
    if ((await isPortFree(port)) && (await isPortFree(port, '127.0.0.1'))) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}
