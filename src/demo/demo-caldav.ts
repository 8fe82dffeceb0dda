import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  accessSync,
  constants,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { SystemClock } from '../common/clock/clock';
import { pickFreePort } from '../startup/free-port';
import type { DemoClient } from './demo-client';
import type { Progress } from './progress';

const RADICALE_PATHS = ['/usr/bin/radicale', '/usr/local/bin/radicale'];
const ZONE = 'America/Chicago';
const USER = 'clinic';
/** The soon visits start this far ahead and are reminded this long before: within a minute. */
const LEAD_MS = 40_000;
const OFFSET = 'PT35S';

export function findRadicale(): string | undefined {
  return RADICALE_PATHS.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A local Radicale keeping its calendar under the demo's data folder, for the person to open. */
export async function startDemoRadicale(
  executable: string,
  dataDir: string,
): Promise<{ url: string; folder: string; stop(): void }> {
  const root = join(dataDir, `radicale-${randomBytes(6).toString('hex')}`);
  mkdirSync(root, { recursive: true });
  const port = await pickFreePort();
  const config = join(root, 'config');
  writeFileSync(
    config,
    `[server]\nhosts = 127.0.0.1:${port}\n[auth]\ntype = none\n[rights]\ntype = authenticated\n` +
      `[storage]\nfilesystem_folder = ${join(root, 'collections')}\n[web]\ntype = none\n`,
  );
  const child: ChildProcess = spawn(executable, ['--config', config], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Basic ${Buffer.from(`${USER}:demo`).toString('base64')}` };
  for (let i = 0; ; i++) {
    const up = await fetch(base, { method: 'OPTIONS', headers: auth }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 200 || child.exitCode !== null) throw new Error('radicale did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = `${base}/${USER}/clinic/`;
  const made = await fetch(url, { method: 'MKCALENDAR', headers: auth });
  if (made.status !== 201) throw new Error(`MKCALENDAR answered ${made.status}`);
  return {
    url,
    folder: join(root, 'collections', 'collection-root', USER, 'clinic'),
    stop: () => child.kill('SIGTERM'),
  };
}

const ics = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/**
 * `npm run demo -- --caldav`: a week of visits put in a local Radicale calendar (as a front desk's
 * calendar app would), a clinic pointed at it, Turnout reading them, reminders going out, patients
 * answering, and the answers written back into the calendar's own event files.
 */
export async function runCalDavStory(
  api: DemoClient,
  adminToken: string,
  p: Progress,
  radicale: { url: string; folder: string },
): Promise<{ apiKey: string }> {
  const clinic = await api.as(adminToken).post<{ apiKey: string }>('/v1/clinics', {
    name: 'Lakeside Dental (CalDAV demo)',
    timezone: ZONE,
    senderNumber: `+1312555${String(randomInt(3000, 10_000)).padStart(4, '0')}`,
    provider: { type: 'fake' },
    reminderOffsets: ['P1D', OFFSET],
    quietHours: null,
    sendRatePerSecond: 10,
  });
  const c = api.as(clinic.apiKey);
  const now = new SystemClock().now().getTime();
  const soon = Math.ceil((now + LEAD_MS) / 60_000) * 60_000;
  const visits = Array.from({ length: 12 }, (_, i) => ({
    uid: `demo-${now.toString(36)}-${i}`,
    name: ['Ana Diaz', 'Bo Lee', 'Cy Park', 'Dee Moss'][i % 4],
    phone: `+1312555${String(1000 + randomInt(0, 8999)).padStart(4, '0')}`,
    // three soon (reminded within a minute), the rest over the coming week
    start: new Date(i < 3 ? soon + i * 20_000 : now + (1 + (i % 6)) * 86_400_000 + i * 1_800_000),
    practitioner: ['Dr. Osei', 'Dr. Kim', 'Dr. Ruiz'][i % 3],
  }));
  const auth = { authorization: `Basic ${Buffer.from(`${USER}:demo`).toString('base64')}` };
  for (const v of visits) {
    const body = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Front desk//EN',
      'BEGIN:VEVENT',
      `UID:${v.uid}`,
      `DTSTAMP:${ics(new Date(now))}`,
      `DTSTART:${ics(v.start)}`,
      `DTEND:${ics(new Date(v.start.getTime() + 30 * 60_000))}`,
      `SUMMARY:Cleaning: ${v.name}`,
      `ORGANIZER;CN=${v.practitioner}:mailto:desk@lakeside.example`,
      `ATTENDEE;CN=${v.name};PARTSTAT=NEEDS-ACTION:tel:${v.phone}`,
      'LOCATION:Main St',
      'CATEGORIES:cleaning',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    await fetch(`${radicale.url}${v.uid}.ics`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'text/calendar; charset=utf-8' },
      body,
    });
  }
  p.step(
    `Put ${visits.length} visits in a local Radicale calendar (${radicale.url}), 3 of them within minutes`,
  );
  await c.patch('/v1/clinic', {
    calendarStore: {
      type: 'caldav',
      url: radicale.url,
      username: USER,
      password: 'demo',
      syncSeconds: 10,
    },
  });
  let read = 0;
  await p.until(
    'Turnout reading the calendar',
    async () => {
      const s = await c.get<{ counts: { appointments: number } }>('/v1/calendar-store');
      read = s.counts.appointments;
      return read >= visits.length ? true : undefined;
    },
    () => `${read}/${visits.length} appointments read`,
    60_000,
  );
  let sent = 0;
  await p.until(
    'Reminders for the three soon visits',
    async () => {
      const outbox = await c.get<{ items: { kind: string; to?: string }[] }>(
        '/v1/simulator/outbox?limit=500',
      );
      sent = outbox.items.filter((m) => m.kind === 'reminder').length;
      return sent >= 3 ? true : undefined;
    },
    () => `${sent}/3 sent`,
    150_000,
  );
  const answers = ['C', 'YES', 'X'];
  for (const [i, body] of answers.entries()) {
    await c.post('/v1/simulator/inbound', { from: visits[i].phone, body });
  }
  p.step(`Patients answered: ${answers.map((a, i) => `${visits[i].name} "${a}"`).join(', ')}`);
  let writes = 0;
  await p.until(
    'Answers written back to the calendar',
    async () => {
      const s = await c.get<{ counts: { writes: number } }>('/v1/calendar-store');
      writes = s.counts.writes;
      return writes >= answers.length ? true : undefined;
    },
    () => `${writes}/${answers.length} events edited`,
    60_000,
  );
  p.step(`The calendar's files: ${radicale.folder}`);
  for (const [i] of answers.entries()) {
    const file = readdirSync(radicale.folder).find((f) => f === `${visits[i].uid}.ics`);
    if (!file) continue;
    const lines = readFileSync(join(radicale.folder, file), 'utf8')
      .split(/\r?\n/)
      .filter((l) => /^(STATUS|X-TURNOUT-STATUS|ATTENDEE)/.test(l));
    p.say(`  ${file}: ${lines.join('  ')}`);
  }
  return { apiKey: clinic.apiKey };
}
