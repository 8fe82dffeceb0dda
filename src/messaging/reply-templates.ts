/**
 * The answers to a patient's text (`replies` in `config/templates.json`), checked once at load
 * like the reminders. Same minimal content: the clinic, days and times, how to answer.
 */
import raw from '../../config/templates.json';
import type { StaffReplyAt } from '../common/time/office-hours';
import { wallTimeOf } from '../common/time/starts-at';
import {
  fill,
  formatDay,
  formatTime,
  pattern,
  record,
  TEMPLATE_LANGUAGES,
  TemplateConfigError,
  TEMPLATES,
  type TemplateLanguage,
} from './templates';

export const REPLY_TEMPLATE_KINDS = [
  'confirmed',
  'cancelled',
  'offer',
  'offer_again',
  'moved',
  'no_slots',
  'unrecognized',
  'no_appointment',
] as const;
export type ReplyTemplateKind = (typeof REPLY_TEMPLATE_KINDS)[number];

const STAFF_KINDS = ['today_by', 'today_from', 'tomorrow_from', 'weekday_from', 'unknown'] as const;

export interface ReplyPack {
  option: string;
  contact: string;
  messages: Record<ReplyTemplateKind, string>;
  /** when a person will answer: one sentence per case, and the weekday names it uses */
  staff: Record<(typeof STAFF_KINDS)[number], string> & { weekdays: string[] };
}

const ALLOWED = ['clinic', 'day', 'time', 'options', 'contact', 'staff'];

export function loadReplyTemplates(input: unknown): Record<TemplateLanguage, ReplyPack> {
  const root = record(input, 'templates');
  const out = {} as Record<TemplateLanguage, ReplyPack>;
  for (const language of TEMPLATE_LANGUAGES) {
    const where = `${language}.replies`;
    const pack = record(record(root[language], language).replies, where);
    const messages = {} as Record<ReplyTemplateKind, string>;
    for (const kind of REPLY_TEMPLATE_KINDS) {
      messages[kind] = pattern(pack[kind], `${where}.${kind}`, ALLOWED);
    }
    const staffPack = record(record(root[language], language).staff, `${language}.staff`);
    const staff = {} as ReplyPack['staff'];
    for (const kind of STAFF_KINDS) {
      staff[kind] = pattern(staffPack[kind], `${language}.staff.${kind}`, ['time', 'weekday']);
    }
    const weekdays = staffPack.weekdays;
    if (!Array.isArray(weekdays) || weekdays.length !== 7) {
      throw new TemplateConfigError(`${language}.staff.weekdays must list 7 names`);
    }
    staff.weekdays = weekdays.map((w, i) => pattern(w, `${language}.staff.weekdays[${i}]`, []));
    out[language] = {
      option: pattern(pack.option, `${where}.option`, ['n', 'day', 'time']),
      contact: pattern(pack.contact, `${where}.contact`, ['phone']),
      messages,
      staff,
    };
  }
  return out;
}

export const REPLY_TEMPLATES = loadReplyTemplates(raw);

export interface ReplyFacts {
  clinicName: string;
  /** the clinic's contact phone, +E.164, if it has one */
  contactPhone: string | null;
  /** the appointment the answer is about (null when there is none) */
  startsAt: Date | null;
  /** the patient's zone, else the clinic's */
  zone: string;
  /** the open times of an offer, in the order the patient may pick them */
  options?: Date[];
  /** when a person will answer (clinic office hours; null: no promise) */
  staffReplyAt?: StaffReplyAt | null;
}

/** "Staff will reply Monday from 8:00 AM." in the patient's language; times are the clinic's. */
export function staffReplySentence(
  at: StaffReplyAt | null | undefined,
  language: TemplateLanguage,
): string {
  const { staff } = REPLY_TEMPLATES[language];
  if (!at) return staff.unknown;
  const time = formatTime(
    {
      year: 2000,
      month: 1,
      day: 1,
      hour: at.time.hour,
      minute: at.time.minute,
      second: 0,
      millisecond: 0,
    },
    TEMPLATES[language],
  );
  const weekday = at.when === 'weekday_from' ? staff.weekdays[at.weekday] : '';
  return fill(staff[at.when], { time, weekday });
}

/** One answer, in the patient's language and zone. */
export function renderReply(
  kind: ReplyTemplateKind,
  language: TemplateLanguage,
  facts: ReplyFacts,
): string {
  const pack = TEMPLATES[language];
  const replies = REPLY_TEMPLATES[language];
  const when = (at: Date) => {
    const wall = wallTimeOf(at, facts.zone);
    return { day: formatDay(wall, pack), time: formatTime(wall, pack) };
  };
  const options = (facts.options ?? [])
    .map((at, i) => fill(replies.option, { n: String(i + 1), ...when(at) }))
    .join(', ');
  return fill(replies.messages[kind], {
    clinic: facts.clinicName,
    ...(facts.startsAt ? when(facts.startsAt) : { day: '', time: '' }),
    options,
    contact: facts.contactPhone ? fill(replies.contact, { phone: facts.contactPhone }) : '',
    staff: staffReplySentence(facts.staffReplyAt, language),
  });
}
