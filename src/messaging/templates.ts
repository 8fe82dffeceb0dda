/**
 * Reminder texts and keyword answers, kept as data in `config/templates.json` and checked once at load: a typo in a
 * placeholder fails the start-up, not a patient's text. Content stays HIPAA-minimal by
 * construction: the only facts a template can name are the clinic, the day and the time.
 */
import raw from '../../config/templates.json';
import { wallTimeOf, wallTimeToUtcMs, type WallTime } from '../common/time/starts-at';
import { countSegments, type SmsEncoding } from './segments';

export const TEMPLATE_LANGUAGES = ['en', 'es'] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

/** `see_you` is for an appointment the patient already confirmed: no C/R/X prompt. */
export const TEMPLATE_KINDS = ['reminder', 'see_you'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** Turnout's answers to carrier keywords and plain-language revocations. */
export const ANSWER_KINDS = ['opt_out', 'opt_in', 'help'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

export interface LanguagePack {
  weekdays: string[];
  months: string[];
  day: string;
  time: string;
  am: string;
  pm: string;
  messages: Record<TemplateKind, string>;
  answers: Record<AnswerKind, string>;
}

export type Templates = Record<TemplateLanguage, LanguagePack>;

export class TemplateConfigError extends Error {}

const MESSAGE_FIELDS = ['clinic', 'day', 'time'];
const ANSWER_FIELDS = ['clinic', 'contact'];
const DAY_FIELDS = ['weekday', 'month', 'date'];
const TIME_FIELDS = ['hour12', 'hour24', 'minute', 'ampm'];
export const PLACEHOLDER = /\{([a-z0-9_]+)\}/gi;

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TemplateConfigError(`${where} must be a non-empty string`);
  }
  return value;
}

export function pattern(value: unknown, where: string, allowed: string[]): string {
  const s = text(value, where);
  for (const [, name] of s.matchAll(PLACEHOLDER)) {
    if (!allowed.includes(name)) {
      throw new TemplateConfigError(`${where} uses {${name}}; allowed: ${allowed.join(', ')}`);
    }
  }
  return s;
}

function names(value: unknown, where: string, count: number): string[] {
  if (!Array.isArray(value) || value.length !== count) {
    throw new TemplateConfigError(`${where} must list ${count} names`);
  }
  return value.map((v, i) => text(v, `${where}[${i}]`));
}

export function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TemplateConfigError(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

/**
 * One text per language from `<language>.<section>.<key>` of the templates file, checked to use
 * only `placeholders` (the feature texts loaded beside their feature: waitlist, missed visit).
 */
export function loadPerLanguage(
  input: unknown,
  section: string,
  key: string,
  placeholders: string[],
): Record<TemplateLanguage, string> {
  const root = record(input, 'templates');
  const out = {} as Record<TemplateLanguage, string>;
  for (const language of TEMPLATE_LANGUAGES) {
    const where = `${language}.${section}`;
    const pack = record(record(root[language], language)[section], where);
    out[language] = pattern(pack[key], `${where}.${key}`, placeholders);
  }
  return out;
}

/** Validates the file's shape; every language has every kind. */
export function loadTemplates(input: unknown): Templates {
  const root = record(input, 'templates');
  const out = {} as Templates;
  for (const language of TEMPLATE_LANGUAGES) {
    const pack = record(root[language], language);
    const messages = record(pack.messages, `${language}.messages`);
    const answers = record(pack.answers, `${language}.answers`);
    out[language] = {
      weekdays: names(pack.weekdays, `${language}.weekdays`, 7),
      months: names(pack.months, `${language}.months`, 12),
      day: pattern(pack.day, `${language}.day`, DAY_FIELDS),
      time: pattern(pack.time, `${language}.time`, TIME_FIELDS),
      am: text(pack.am, `${language}.am`),
      pm: text(pack.pm, `${language}.pm`),
      messages: {
        reminder: pattern(messages.reminder, `${language}.messages.reminder`, MESSAGE_FIELDS),
        see_you: pattern(messages.see_you, `${language}.messages.see_you`, MESSAGE_FIELDS),
      },
      answers: {
        opt_out: pattern(answers.opt_out, `${language}.answers.opt_out`, ANSWER_FIELDS),
        opt_in: pattern(answers.opt_in, `${language}.answers.opt_in`, ANSWER_FIELDS),
        help: pattern(answers.help, `${language}.answers.help`, ANSWER_FIELDS),
      },
    };
  }
  return out;
}

export const TEMPLATES: Templates = loadTemplates(raw);

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (match, name: string) => values[name] ?? match);
}

function weekdayOf(wall: WallTime): number {
  return new Date(wallTimeToUtcMs({ ...wall, hour: 12 })).getUTCDay();
}

/** "Tue Dec 1" / "mar 1 dic": the appointment's local date, in the patient's language. */
export function formatDay(wall: WallTime, pack: LanguagePack): string {
  return fill(pack.day, {
    weekday: pack.weekdays[weekdayOf(wall)],
    month: pack.months[wall.month - 1],
    date: String(wall.day),
  });
}

/** "9:30 AM" / "9:30" (Spanish texts use the 24-hour clock: "a las 16:30"). */
export function formatTime(wall: WallTime, pack: LanguagePack): string {
  return fill(pack.time, {
    hour12: String(wall.hour % 12 === 0 ? 12 : wall.hour % 12),
    hour24: String(wall.hour),
    minute: String(wall.minute).padStart(2, '0'),
    ampm: wall.hour < 12 ? pack.am : pack.pm,
  });
}

export interface ReminderFacts {
  clinicName: string;
  startsAt: Date;
  /** the patient's zone, else the clinic's */
  zone: string;
}

export function languageOf(value: string): TemplateLanguage {
  return (TEMPLATE_LANGUAGES as readonly string[]).includes(value)
    ? (value as TemplateLanguage)
    : 'en';
}

export function renderReminder(
  kind: TemplateKind,
  language: TemplateLanguage,
  facts: ReminderFacts,
  templates: Templates = TEMPLATES,
): string {
  const pack = templates[language];
  const wall = wallTimeOf(facts.startsAt, facts.zone);
  return fill(pack.messages[kind], {
    clinic: facts.clinicName,
    day: formatDay(wall, pack),
    time: formatTime(wall, pack),
  });
}

/** An answer to a keyword: names the clinic and, for HELP, the number to call. */
export function renderAnswer(
  kind: AnswerKind,
  language: TemplateLanguage,
  facts: { clinicName: string; contactPhone: string },
  templates: Templates = TEMPLATES,
): string {
  return fill(templates[language].answers[kind], {
    clinic: facts.clinicName,
    contact: facts.contactPhone,
  });
}

export interface TemplateWarning {
  template: TemplateKind;
  language: TemplateLanguage;
  segments: number;
  encoding: SmsEncoding;
  message: string;
}

/** The longest reading of a day and a time in this language: what the warning must cover. */
export function longestFacts(pack: LanguagePack): { day: string; time: string } {
  const longest = (values: string[]) =>
    values.reduce((a, b) => (countSegments(b).units > countSegments(a).units ? b : a));
  const days: string[] = [];
  // The 22nd to the 28th of every month: each weekday with each month, on two-digit dates.
  for (let month = 1; month <= 12; month++) {
    for (let day = 22; day <= 28; day++) {
      days.push(
        formatDay({ year: 2027, month, day, hour: 12, minute: 0, second: 0, millisecond: 0 }, pack),
      );
    }
  }
  const times = [0, 10, 12, 22].map((hour) =>
    formatTime({ year: 2027, month: 1, day: 1, hour, minute: 59, second: 0, millisecond: 0 }, pack),
  );
  return { day: longest(days), time: longest(times) };
}

/**
 * Which rendered reminders would need more than one SMS segment for this clinic name (or switch
 * to UCS-2 because of a character in it), on the longest day and time: providers bill and
 * throttle by segment, and the healthcare exemption expects one short text.
 */
export function templateWarnings(
  clinicName: string,
  templates: Templates = TEMPLATES,
): TemplateWarning[] {
  const warnings: TemplateWarning[] = [];
  for (const language of TEMPLATE_LANGUAGES) {
    const pack = templates[language];
    const facts = longestFacts(pack);
    for (const kind of TEMPLATE_KINDS) {
      const body = fill(pack.messages[kind], { clinic: clinicName, ...facts });
      const count = countSegments(body);
      if (count.segments > 1) {
        warnings.push({
          template: kind,
          language,
          segments: count.segments,
          encoding: count.encoding,
          message:
            `the ${language} ${kind} text needs ${count.segments} ${count.encoding} segments ` +
            `(${count.units} ${count.encoding === 'GSM-7' ? 'characters' : 'UTF-16 units'}); ` +
            'a shorter clinic name keeps it to one',
        });
      }
    }
  }
  return warnings;
}
