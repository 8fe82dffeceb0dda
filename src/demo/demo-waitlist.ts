import { randomBytes } from 'node:crypto';
import type { DemoClient } from './demo-client';
import { addDays } from './demo-week';
import type { Progress } from './progress';

interface Outbox {
  items: { to: string; body: string }[];
}

export interface BackfillLike {
  totals: { freedSlots: number; offered: number; filled: number; offerTexts: number };
}

/** Eight days out: past the week's report, inside the fortnight freed time is offered in. */
const DAYS_AHEAD = 8;
const MIA = { name: 'Mia Torres', phone: '+13125550161' };
const NIA = { name: 'Nia Brown', phone: '+13125550162' };
const OMAR = { name: 'Omar Said', phone: '+13125550163' };

/**
 * Freed time filled by text: Mia cancels by X, her time is offered to the two patients waiting
 * for Dr. Kim, Nia takes it with 1 and Omar, a moment later, is told it was taken.
 */
export async function runWaitlist(
  c: DemoClient,
  today: string,
  p: Progress,
): Promise<BackfillLike> {
  await c.patch('/v1/clinic', { backfill: { enabled: true, waveSize: 2, minNoticeMinutes: 60 } });
  const day = addDays(today, DAYS_AHEAD);
  await c.post('/v1/appointments', {
    externalId: `WL-${randomBytes(6).toString('hex')}`,
    patient: MIA,
    startsAt: `${day}T17:00:00`,
    durationMinutes: 30,
    practitioner: 'Dr. Kim',
    location: 'Main St',
    type: 'cleaning',
  });
  for (const [i, patient] of [NIA, OMAR].entries()) {
    await c.post('/v1/waitlist', { patient, practitioner: 'Dr. Kim', priority: 1 - i });
  }
  p.step(`Filling freed time is on; ${NIA.name} and ${OMAR.name} wait for Dr. Kim`);

  await text(c, MIA, 'X');
  await p.until(
    'The freed time offered to the waitlist',
    async () =>
      (await said(c, NIA, /Reply 1 to book it/)) && (await said(c, OMAR, /Reply 1 to book it/))
        ? true
        : undefined,
    () => 'waiting for both offers',
    30_000,
  );
  p.step(`${MIA.name} cancelled by X; her time was offered to ${NIA.name} and ${OMAR.name}`);
  await text(c, NIA, '1');
  await text(c, OMAR, '1');
  await p.until(
    'The first 1 books it',
    async () =>
      (await said(c, NIA, /you are booked/)) && (await said(c, OMAR, /just taken/))
        ? true
        : undefined,
    () => 'waiting for both answers',
    30_000,
  );
  p.step(`${NIA.name} answered 1 first and is booked; ${OMAR.name} was told it was taken`);
  return c.get<BackfillLike>(`/v1/reports/backfill?from=${day}&to=${addDays(day, 1)}`);
}

/** Whether a text like `body` reached the fake provider for the patient. */
async function said(c: DemoClient, patient: { phone: string }, body: RegExp): Promise<boolean> {
  const outbox = await c.get<Outbox>('/v1/simulator/outbox?limit=50');
  return outbox.items.some((m) => m.to === patient.phone && body.test(m.body));
}

function text(c: DemoClient, patient: { phone: string }, body: string): Promise<unknown> {
  return c.post('/v1/simulator/inbound', { from: patient.phone, body });
}

export function printBackfill(p: Progress, report: BackfillLike): void {
  const t = report.totals;
  p.say('');
  p.say(
    `Freed time: ${t.freedSlots} slot freed, offered to the waitlist (${t.offerTexts} texts), ` +
      `${t.filled} filled.`,
  );
}
