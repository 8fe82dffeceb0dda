/**
 * What the service benches that drive the HTTP API and its Twilio webhooks share (bench:replies,
 * bench:backfill): JSON calls with a key, stable valid phone numbers, a lean signed-form POST,
 * a process's CPU time, and the machine line every bench prints.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { normalizePhone } from '../../src/bench-seam';

/** POSTs `body` as JSON with a bearer key; the answer, or an error naming path and status. */
export async function api(
  base: string,
  path: string,
  token: string,
  body: unknown,
): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The n-th valid US number under `prefix` (area code), the same on every run. */
export function benchPhone(prefix: string, n: number): string {
  for (let i = 0; ; i++) {
    const candidate = `${prefix}${2 + ((n + i) % 8)}${String(100_000 + ((n * 7919 + i) % 900_000))}`;
    if (normalizePhone(candidate, 'US') === candidate) return candidate;
  }
}

/**
 * POSTs a form over kept-alive connections and reads the status, the answer discarded: the load
 * generator shares the service's cores, so it does no more than a webhook sender must (fetch
 * cost several times as much CPU per request).
 */
export function postForm(agent: Agent, url: URL, form: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(form),
          'X-Twilio-Signature': signature,
        },
      },
      (res) => {
        res.on('error', reject);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.resume();
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

/** CPU time a process has used so far (Linux), in ms. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** "machine: 2 x <CPU model>, 7.8 GiB, Node v20...": what every bench's figures ran on. */
export function machineLine(): string {
  return (
    `machine: ${cpus().length} x ${cpus()[0]?.model}, ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`
  );
}
