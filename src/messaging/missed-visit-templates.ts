/**
 * The missed-visit follow-up (`missed_visit.follow_up` in `config/templates.json`), checked once
 * at load like the other texts: the clinic, the missed visit's date (the text may wait out
 * quiet hours until the next morning, so it never says "today"), and how to pick a new time.
 */
import raw from '../../config/templates.json';
import { wallTimeOf } from '../common/time/starts-at';
import { fill, formatDay, loadPerLanguage, TEMPLATES, type TemplateLanguage } from './templates';

export function loadMissedVisitTemplates(input: unknown): Record<TemplateLanguage, string> {
  return loadPerLanguage(input, 'missed_visit', 'follow_up', ['clinic', 'day']);
}

const FOLLOW_UPS = loadMissedVisitTemplates(raw);

export function renderMissedVisitFollowUp(
  language: TemplateLanguage,
  clinicName: string,
  visit: { startsAt: Date; zone: string },
): string {
  const day = formatDay(wallTimeOf(visit.startsAt, visit.zone), TEMPLATES[language]);
  return fill(FOLLOW_UPS[language], { clinic: clinicName, day });
}
