import { randomInt } from 'node:crypto';
import { SystemClock } from '../common/clock/clock';
import { localDate, localTime } from '../common/time/starts-at';
import { playSurveyAndBroadcast } from './demo-campaigns';
import type { DemoClient } from './demo-client';
import { riskHistory } from './demo-risk';
import { addDays, demoWeek, LIVE, pastFate, type LivePatient } from './demo-week';
import type { Progress } from './progress';
import { runExperiment } from './demo-experiment';
import { experimentTable, type ResultsLike } from './experiment-table';
import { reportTable, type ReportLike } from './report-table';

export const ZONE = 'America/Chicago';
/** The live session starts this long after the upload: time for reminders and answers. */
const LIVE_LEAD_MS = 40_000;
/** A reminder this long before the visit, so it is due a few seconds after the upload. */
const LIVE_OFFSET = 'PT35S';

interface Appointment {
  id: string;
  externalId: string;
  status: string;
  startsAt: string;
}
interface Message {
  direction: string;
  kind: string;
  body: string;
  appointmentId: string | null;
  to?: string;
}

export interface StoryResult {
  clinicName: string;
  apiKey: string;
  report: ReportLike;
  experiment: ResultsLike;
}

/** The whole demo against a running service, through its public API only. */
export async function runStory(
  api: DemoClient,
  adminToken: string,
  p: Progress,
): Promise<StoryResult> {
  const clinicName = 'Lakeside Dental (demo)';
  const clinic = await api.as(adminToken).post<{ apiKey: string }>('/v1/clinics', {
    name: clinicName,
    timezone: ZONE,
    senderNumber: `+1312555${String(randomInt(3000, 10_000)).padStart(4, '0')}`,
    provider: { type: 'fake' },
    contactPhone: '+13125550199',
    // A day ahead, and a short one so the live session's reminders go out within seconds.
    reminderOffsets: ['P1D', LIVE_OFFSET],
    quietHours: null,
    // Marked the moment a visit ends: nobody waits half an hour in a demo.
    noShowGraceMinutes: 0,
    sendRatePerSecond: 10,
    // One question by text when a visit ends, at once in a demo.
    survey: { enabled: true, afterMinutes: 0 },
  });
  const c = api.as(clinic.apiKey);
  p.step(
    `Created the clinic "${clinicName}" (${ZONE}) on the fake SMS provider: reminders a day ` +
      `and ${LIVE_OFFSET.slice(2).toLowerCase()} ahead, no quiet hours, no-shows marked at the end of a visit`,
  );

  // The demo plays against the running service, which reads the system clock: so does it.
  const clock = new SystemClock();
  const today = localDate(clock.now(), ZONE);
  const run = clock.now().getTime().toString(36);

  // Months of history first: the risk model learns from them while the week plays.
  const history = riskHistory(today, run);
  const kept = await c.post<{ results: { id: string | null; outcome: string }[] }>(
    '/v1/appointments/batch',
    { appointments: history.map((h) => h.visit) },
  );
  const refused = kept.results.filter((r) => r.outcome === 'error');
  if (refused.length > 0) throw new Error(`history refused: ${JSON.stringify(refused[0])}`);
  // The front desk's marks, a few at a time: one by one they would hold the demo up.
  const attended = history.flatMap((h, i) => (h.noShow ? [] : [kept.results[i].id]));
  for (let from = 0; from < attended.length; from += 12) {
    await Promise.all(
      attended
        .slice(from, from + 12)
        .map((id) => c.patch(`/v1/appointments/${id}`, { status: 'arrived' })),
    );
  }
  p.step(
    `Uploaded ${history.length} earlier visits (weeks 2 to 11 back; ` +
      `${history.filter((h) => h.noShow).length} missed, marked by the system): ` +
      'the no-show risk model learns from them',
  );
  const liveStartsAt = new Date(Math.ceil((clock.now().getTime() + LIVE_LEAD_MS) / 1000) * 1000);
  const liveEndsAt = new Date(liveStartsAt.getTime() + 60_000);
  const week = demoWeek(today, liveStartsAt, run);
  const all = [...week.past, ...week.live, ...week.future];
  const uploaded = await c.post<{ results: { id: string | null; outcome: string }[] }>(
    '/v1/appointments/batch',
    { appointments: all },
  );
  const bad = uploaded.results.filter((r) => r.outcome === 'error');
  if (bad.length > 0) throw new Error(`upload refused ${bad.length}: ${JSON.stringify(bad[0])}`);
  const idOf = new Map(all.map((a, i) => [a.externalId, uploaded.results[i].id!]));
  const liveIds = week.live.map((a) => idOf.get(a.externalId)!);
  p.step(
    `Uploaded a week: ${week.past.length} visits over the past 6 days (from an older system: ` +
      `nobody was reminded), ${week.live.length} in a live session at ` +
      `${localTime(liveStartsAt, ZONE)} today (one minute each), ${week.future.length} over the next 6 days`,
  );
  // Open slots for the patient who will ask to reschedule.
  const dev = LIVE[3];
  await c.post('/v1/slots/batch', {
    slots: ['14:00', '14:30', '15:00'].map((t) => ({
      practitioner: dev.practitioner,
      location: 'Main St',
      startsAt: `${addDays(today, 1)}T${t}:00`,
      durationMinutes: 30,
    })),
  });

  // Last week: the front desk marks who came; the rest are left for the system.
  let came = 0;
  for (const [i, a] of week.past.entries()) {
    const fate = pastFate(i);
    if (fate === 'no_show') continue;
    const id = idOf.get(a.externalId)!;
    await c.patch(`/v1/appointments/${id}`, { status: 'arrived' });
    if (fate === 'completed') await c.patch(`/v1/appointments/${id}`, { status: 'completed' });
    came += 1;
  }
  p.step(`Marked ${came} of last week's visits as arrived or completed`);

  let sent = 0;
  await p.until(
    'Reminders for the live session',
    async () => ((sent = await remindersSent(c, liveIds)) >= liveIds.length ? true : undefined),
    () => `${sent}/${liveIds.length} handed to the fake provider`,
    60_000,
  );

  for (const patient of LIVE) {
    if (patient.texts[0]) await text(c, patient, patient.texts[0]);
  }
  const first = (x: LivePatient) => x.name.split(' ')[0];
  p.step(`Patients answered: ${LIVE.map((x) => `${first(x)} "${x.texts[0] ?? '…'}"`).join(', ')}`);
  await p.until(
    `${dev.name}'s offer of open slots`,
    async () => ((await offerSent(c, dev)) ? true : undefined),
    () => 'waiting for the numbered times',
    30_000,
  );
  await text(c, dev, dev.texts[1]);
  p.step(`${first(dev)} was offered numbered times, and answered "${dev.texts[1]}"`);

  // What each answer leaves the appointment in, before anyone arrives.
  const settled = (x: LivePatient, v: Appointment): boolean =>
    x.outcome === 'cancelled'
      ? v.status === 'cancelled'
      : x.outcome === 'rescheduled'
        ? v.status === 'confirmed' && v.startsAt !== week.live[0].startsAt
        : ['C', 'YES'].includes(x.texts[0] ?? '')
          ? v.status === 'confirmed'
          : v.status === 'scheduled';
  let applied = 0;
  await p.until(
    'Answers applied',
    async () => {
      const views = await Promise.all(liveIds.map((id) => view(c, id)));
      applied = LIVE.filter((x, i) => settled(x, views[i])).length;
      const inbox = await c.get<{ items: { patientPhone: string }[] }>(
        '/v1/conversations?needsAttention=true',
      );
      const flagged = LIVE.filter((x) => x.story.includes('inbox')).every((x) =>
        inbox.items.some((item) => item.patientPhone === x.phone),
      );
      return applied === LIVE.length && flagged ? true : undefined;
    },
    () => `${applied}/${LIVE.length} as expected`,
    60_000,
  );
  p.step(
    `${first(dev)} moved to tomorrow at 14:00; ${first(LIVE[5])}'s question waits in the ` +
      `inbox; ${first(LIVE[4])} and ${first(LIVE[8])} opted out`,
  );

  const arriving = LIVE.filter((x) => x.outcome === 'arrived');
  for (const x of arriving) {
    await c.patch(`/v1/appointments/${liveIds[LIVE.indexOf(x)]}`, { status: 'arrived' });
  }
  p.step(`Front desk: ${arriving.map((x) => x.name).join(', ')} arrived`);

  const absent = LIVE.flatMap((x, i) => (x.outcome === 'no_show' ? [liveIds[i]] : []));
  let marked = 0;
  await p.until(
    `No-shows, marked by the system when the visits end at ${localTime(liveEndsAt, ZONE)}`,
    async () => {
      const views = await Promise.all(absent.map((id) => view(c, id)));
      marked = views.filter((v) => v.status === 'no_show').length;
      return marked === absent.length ? true : undefined;
    },
    () =>
      `${marked}/${absent.length} marked` +
      (clock.now().getTime() < liveEndsAt.getTime()
        ? `, ${Math.ceil((liveEndsAt.getTime() - clock.now().getTime()) / 1000)} s to go`
        : ''),
    liveEndsAt.getTime() - clock.now().getTime() + 60_000,
    1_000,
  );

  await playSurveyAndBroadcast(c, p, arriving[0], today);
  await showRisk(c, p, addDays(today, 1));

  const report = await c.get<ReportLike>(
    `/v1/reports/no-shows?from=${addDays(today, -6)}&to=${addDays(today, 7)}&groupBy=practitioner`,
  );
  const experiment = await runExperiment(c, today, p);
  return { clinicName, apiKey: clinic.apiKey, report, experiment };
}

interface CallList {
  items: {
    startsAt: string;
    patient: { name: string };
    risk: { score: number; band: string; reasons: string[] } | null;
  }[];
}

/** The model the service fitted on the clinic's history, and tomorrow's call list by risk. */
async function showRisk(c: DemoClient, p: Progress, tomorrow: string): Promise<void> {
  let list: CallList | undefined;
  await p.until(
    'No-show risk model',
    async () => {
      const model = await c.get<{ status: string }>('/v1/risk/model');
      if (model.status !== 'fitted') return undefined;
      list = await c.get<CallList>(`/v1/appointments/call-list?date=${tomorrow}`);
      return list.items.some((i) => i.risk) ? true : undefined;
    },
    () => 'refit by the due-work engine, once a minute at most',
    120_000,
  );
  const model = await c.get<{
    trainingSize: number;
    evaluation: { auc: number | null } | null;
  }>('/v1/risk/model');
  const auc = model.evaluation?.auc;
  p.step(
    `Risk model fitted on ${model.trainingSize} finished visits` +
      (auc != null ? ` (AUC ${auc.toFixed(2)} on the most recent month, held out)` : ''),
  );
  p.say(`  Tomorrow's call list, highest risk first (staff only, never texted):`);
  for (const item of list!.items.slice(0, 3)) {
    const risk = item.risk;
    p.say(
      `  ${localTime(new Date(item.startsAt), ZONE)} ${item.patient.name}: ` +
        (risk ? `${Math.round(risk.score * 100)}% ${risk.band} (${risk.reasons.join('; ')})` : '-'),
    );
  }
}

async function view(c: DemoClient, id: string): Promise<Appointment> {
  return c.get<Appointment>(`/v1/appointments/${id}`);
}

async function remindersSent(c: DemoClient, ids: string[]): Promise<number> {
  const outbox = await c.get<{ items: Message[] }>('/v1/simulator/outbox?limit=500');
  const wanted = new Set(ids);
  return outbox.items.filter(
    (m) => m.kind === 'reminder' && m.appointmentId && wanted.has(m.appointmentId),
  ).length;
}

async function offerSent(c: DemoClient, patient: LivePatient): Promise<boolean> {
  const thread = await c.find<{ messages: Message[] }>(
    `/v1/conversations/${encodeURIComponent(patient.phone)}`,
  );
  if (!thread) return false;
  // The answer to the R: an outbound text after the patient's last one, numbering the times.
  const asked = thread.messages.map((m) => m.direction).lastIndexOf('inbound');
  return asked >= 0 && thread.messages.slice(asked + 1).some((m) => /\b1\b/.test(m.body));
}

function text(c: DemoClient, patient: LivePatient, body: string): Promise<unknown> {
  return c.post('/v1/simulator/inbound', { from: patient.phone, body });
}

export function printReport(p: Progress, report: ReportLike): void {
  p.say('');
  p.say(reportTable(report));
  p.say('');
  p.say(
    'Last week nobody was reminded: its no-shows are all "unreached". Today\'s: one confirmed ' +
      'and did not come, two were reminded and never confirmed.',
  );
}

export function printExperiment(p: Progress, results: ResultsLike): void {
  p.say('');
  p.say(experimentTable(results));
}
