import {
  APPOINTMENT_STATUSES,
  AppointmentEventType,
  decide,
  LIVE_STATUSES,
} from '../appointments/appointment.machine';

const REPLIES: { reply: string; event: AppointmentEventType; refused: string }[] = [
  { reply: '`C` (confirm)', event: 'REPLY_CONFIRM', refused: 'nothing, no second answer' },
  { reply: '`R` (reschedule)', event: 'REPLY_RESCHEDULE', refused: 'a fresh offer' },
  { reply: '`1`-`3` (open offer)', event: 'REPLY_SLOT', refused: 'unrecognised reply' },
  {
    reply: '`1` (waitlist offer)',
    event: 'REPLY_WAITLIST_SLOT',
    refused: '-',
  },
  { reply: '`X` (cancel)', event: 'REPLY_CANCEL', refused: '-' },
];

/**
 * What each workflow reply does in each status, as a Markdown table built from the machine
 * itself (`decide()`), for docs/replies.md; a spec keeps that copy equal to this.
 */
export function replyTable(): string {
  const header = `| reply | ${APPOINTMENT_STATUSES.join(' | ')} |`;
  const rule = `| --- | ${APPOINTMENT_STATUSES.map(() => '---').join(' | ')} |`;
  const rows = REPLIES.map(({ reply, event, refused }) => {
    const cells = APPOINTMENT_STATUSES.map((status) => {
      if (!LIVE_STATUSES.includes(status)) return 'not replied to';
      const r = decide(status, { type: event });
      if (!r.accepted) return refused;
      const writeBack = r.effects.find((e) => e.type === 'emitCalendarEvent');
      return writeBack ? `**${r.to}**, \`${writeBack.eventType}\`` : `**${r.to}**`;
    });
    return `| ${reply} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
