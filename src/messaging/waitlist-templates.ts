/**
 * The waitlist offer (`waitlist.offer` in `config/templates.json`), checked once at load like the
 * other texts: the clinic, the freed time and its practitioner, how to take it.
 */
import raw from '../../config/templates.json';
import { wallTimeOf } from '../common/time/starts-at';
import {
  fill,
  formatDay,
  formatTime,
  loadPerLanguage,
  TEMPLATES,
  type TemplateLanguage,
} from './templates';

const OFFERS = loadPerLanguage(raw, 'waitlist', 'offer', ['clinic', 'day', 'time', 'practitioner']);

export function renderWaitlistOffer(
  language: TemplateLanguage,
  facts: { clinicName: string; startsAt: Date; zone: string; practitioner: string },
): string {
  const wall = wallTimeOf(facts.startsAt, facts.zone);
  const pack = TEMPLATES[language];
  return fill(OFFERS[language], {
    clinic: facts.clinicName,
    day: formatDay(wall, pack),
    time: formatTime(wall, pack),
    practitioner: facts.practitioner,
  });
}
