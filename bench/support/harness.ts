/**
 * What the service benches that drive the HTTP API and its Twilio webhooks share (bench:replies,
 * bench:backfill): JSON calls with a key, stable valid phone numbers, a lean signed-form POST,
 * a process's CPU time, and the machine line every bench prints.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, totalmem } from 'node:os';
import type { Client } from 'pg';
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

const givenOut = new Set<string>();

/**
 * `count` patient numbers for the n-th clinic (from 1) of this run, none shared with another of
 * its clinics: the fake provider knows a patient by number alone, and a number in two clinics
 * would send its replies to the wrong one. (Numbering each clinic from `n * 100_000`, as the
 * benches did, gave clinic n and clinic n + 18 the same numbers: benchPhone repeats every
 * 900,000 and its first digit every 8.)
 */
export function patientPhones(n: number, count: number): string[] {
  const out: string[] = [];
  for (let k = (n - 1) * count * 2; out.length < count; k += 1) {
    const phone = benchPhone('+1312', k);
    if (givenOut.has(phone)) continue;
    givenOut.add(phone);
    out.push(phone);
  }
  return out;
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

/**
 * CPU time the whole PostgreSQL server has used so far (Linux, same machine), in ms: the
 * postmaster, its live children (backends, walwriter, checkpointer...) and the children that
 * exited (cutime/cstime). Null when the server is not a local process we can read.
 */
export function postgresCpuMs(postmaster: number | null): number | null {
  if (postmaster === null) return null;
  try {
    const stat = (pid: number) =>
      readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const own = stat(postmaster);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const f = stat(Number(entry));
        if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // exited meanwhile
      }
    }
    return ticks * 10;
  } catch {
    return null;
  }
}

/** The postmaster's pid: the parent of this connection's backend (null if not local). */
export async function postmasterPid(db: Client): Promise<number | null> {
  const { rows } = await db.query('SELECT pg_backend_pid() AS pid');
  try {
    const f = readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[1]);
  } catch {
    return null;
  }
}

/** "machine: 2 x <CPU model>, 7.8 GiB, Node v20...": what every bench's figures ran on. */
export function machineLine(): string {
  return (
    `machine: ${cpus().length} x ${cpus()[0]?.model}, ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`
  );
}
