/**
 * A variant's reminder wording: checked at creation against the default reminder of the same
 * language (the same placeholders, no others), and measured in SMS segments on the longest day
 * and time for this clinic's name, as the clinic's own templates are.
 */
import ready from '../../config/experiment-templates.json';
import { countSegments, type SmsEncoding } from '../messaging/segments';
import {
  fill,
  longestFacts,
  PLACEHOLDER,
  TEMPLATE_LANGUAGES,
  TEMPLATES,
  type TemplateLanguage,
  type Templates,
} from '../messaging/templates';

export type VariantTemplates = Record<TemplateLanguage, string>;

export interface TemplateCheck {
  encoding: SmsEncoding;
  segments: number;
  /** GSM-7 septets or UTF-16 units of the longest rendering */
  units: number;
}

/** Broadcasts stop at 3 segments too: past that, texts arrive split or not at all. */
export const MAX_VARIANT_SEGMENTS = 3;

function placeholders(text: string): Set<string> {
  return new Set([...text.matchAll(PLACEHOLDER)].map(([, name]) => name));
}

/** What is wrong with one language's text, naming `field`; empty when it is fine. */
export function templateProblems(
  text: string,
  language: TemplateLanguage,
  clinicName: string,
  field: string,
  defaults: Templates = TEMPLATES,
): string[] {
  const expected = placeholders(defaults[language].messages.reminder);
  const used = placeholders(text);
  const problems: string[] = [];
  const unknown = [...used].filter((name) => !expected.has(name));
  const missing = [...expected].filter((name) => !used.has(name));
  const list = [...expected].map((name) => `{${name}}`).join(', ');
  if (unknown.length > 0) {
    problems.push(
      `${field} uses ${unknown.map((n) => `{${n}}`).join(', ')}; the default reminder uses ${list}`,
    );
  }
  if (missing.length > 0) {
    problems.push(
      `${field} must use the default reminder's placeholders ${list} (missing ${missing
        .map((n) => `{${n}}`)
        .join(', ')})`,
    );
  }
  if (problems.length === 0) {
    const check = checkTemplate(text, language, clinicName, defaults);
    if (check.segments > MAX_VARIANT_SEGMENTS) {
      problems.push(
        `${field} needs ${check.segments} ${check.encoding} segments; at most ${MAX_VARIANT_SEGMENTS}`,
      );
    }
  }
  return problems;
}

/** Encoding and segments of the text on the longest day and time of its language. */
export function checkTemplate(
  text: string,
  language: TemplateLanguage,
  clinicName: string,
  defaults: Templates = TEMPLATES,
): TemplateCheck {
  const body = fill(text, { clinic: clinicName, ...longestFacts(defaults[language]) });
  const { encoding, segments, units } = countSegments(body);
  return { encoding, segments, units };
}

export function checkTemplates(
  templates: VariantTemplates,
  clinicName: string,
): Record<TemplateLanguage, TemplateCheck> {
  const out = {} as Record<TemplateLanguage, TemplateCheck>;
  for (const language of TEMPLATE_LANGUAGES) {
    out[language] = checkTemplate(templates[language], language, clinicName);
  }
  return out;
}

export interface ReadyTemplate {
  key: string;
  name: string;
  source: string;
  templates: VariantTemplates;
}

/** The ready variants of `config/experiment-templates.json`, checked once at load. */
export function loadReadyTemplates(input: Record<string, unknown>): ReadyTemplate[] {
  return Object.entries(input)
    .filter(([key]) => !key.startsWith('_'))
    .map(([key, value]) => {
      const entry = value as { name: string; source: string; templates: VariantTemplates };
      for (const language of TEMPLATE_LANGUAGES) {
        const problems = templateProblems(
          entry.templates[language],
          language,
          'Clinic',
          `${key}.templates.${language}`,
        );
        if (problems.length > 0) throw new Error(problems.join('; '));
      }
      return { key, name: entry.name, source: entry.source, templates: entry.templates };
    });
}

export const READY_TEMPLATES: ReadyTemplate[] = loadReadyTemplates(ready);
