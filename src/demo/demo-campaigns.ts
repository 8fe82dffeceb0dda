import type { DemoClient } from './demo-client';
import { addDays, type LivePatient } from './demo-week';
import type { Progress } from './progress';

interface Message {
  direction: string;
  kind: string;
  status: string;
}

/** A text the fake provider has taken: only then can the patient have read it and answered. */
const HANDED = ['queued', 'sent', 'delivered'];

const COMMENT = 'The hygienist was lovely; parking was hard to find.';

/**
 * A visit survey after the live session (a patient who came scores it 4 and leaves a comment),
 * then a broadcast for tomorrow's Main St patients: the dry-run count first, then the send,
 * followed until every text is handed to the provider. Nothing here changes an appointment.
 */
export async function playSurveyAndBroadcast(
  c: DemoClient,
  p: Progress,
  patient: LivePatient,
  today: string,
): Promise<void> {
  await p.until(
    `${patient.name}'s visit survey`,
    async () => ((await surveyAsked(c, patient)) ? true : undefined),
    () => 'asked when the visit ends',
    30_000,
  );
  await c.post('/v1/simulator/inbound', { from: patient.phone, body: '4' });
  await p.until(
    'Thanks and the follow-up question',
    async () => ((await answered(c, patient)) ? true : undefined),
    () => 'waiting for the answer',
    30_000,
  );
  await c.post('/v1/simulator/inbound', { from: patient.phone, body: COMMENT });
  const range = `from=${today}&to=${addDays(today, 1)}`;
  await p.until(
    'Survey answer kept',
    async () => {
      const list = await c.get<{ items: { score: number; comment: string | null }[] }>(
        `/v1/surveys?${range}`,
      );
      return list.items.some((a) => a.comment === COMMENT) ? true : undefined;
    },
    () => 'waiting for the comment',
    30_000,
  );
  p.step(`${patient.name} rated the visit 4/5 and wrote: "${COMMENT}"`);

  const closure = {
    date: addDays(today, 1),
    practitioner: null,
    location: 'Main St',
    body: 'Lakeside Dental: the Main St office opens at 10 AM tomorrow (power work). Your time stands.',
    cancelAppointments: false,
  };
  const dry = await c.post<{ recipients: number; optedOut: number }>('/v1/broadcasts', {
    ...closure,
    dryRun: true,
  });
  p.step(
    `Broadcast dry run: ${dry.recipients} patients tomorrow at Main St (${dry.optedOut} opted out)`,
  );
  const made = await c.post<{ id: string }>('/v1/broadcasts', { ...closure, dryRun: false });
  let handed = 0;
  await p.until(
    'Broadcast sent',
    async () => {
      const b = await c.get<{ done: boolean; messages: Record<string, number> }>(
        `/v1/broadcasts/${made.id}`,
      );
      handed = b.messages.queued + b.messages.sent + b.messages.delivered;
      return b.done && b.messages.pending === 0 ? true : undefined;
    },
    () => `${handed}/${dry.recipients} handed to the fake provider`,
    30_000,
  );
}

async function thread(c: DemoClient, patient: LivePatient): Promise<Message[]> {
  const t = await c.find<{ messages: Message[] }>(
    `/v1/conversations/${encodeURIComponent(patient.phone)}`,
  );
  return t?.messages ?? [];
}

async function surveyAsked(c: DemoClient, patient: LivePatient): Promise<boolean> {
  return (await thread(c, patient)).some((m) => m.kind === 'survey' && HANDED.includes(m.status));
}

async function answered(c: DemoClient, patient: LivePatient): Promise<boolean> {
  const messages = await thread(c, patient);
  const survey = messages.findIndex((m) => m.kind === 'survey');
  return messages.slice(survey + 1).some((m) => m.kind === 'workflow_reply');
}
