/**
 * The survey's texts (`config/surveys.json`), checked once at load like the other templates: a
 * typo in a placeholder fails the start-up, not a patient's text.
 */
import raw from '../../config/surveys.json';
import {
  fill,
  pattern,
  record,
  TEMPLATE_LANGUAGES,
  type TemplateLanguage,
} from '../messaging/templates';

export interface SurveyTexts {
  question: string;
  question_any: string;
  thanks: string;
}

export function loadSurveyTemplates(input: unknown): Record<TemplateLanguage, SurveyTexts> {
  const root = record(input, 'surveys');
  const out = {} as Record<TemplateLanguage, SurveyTexts>;
  for (const language of TEMPLATE_LANGUAGES) {
    const pack = record(root[language], `surveys.${language}`);
    out[language] = {
      question: pattern(pack.question, `surveys.${language}.question`, ['clinic', 'practitioner']),
      question_any: pattern(pack.question_any, `surveys.${language}.question_any`, ['clinic']),
      thanks: pattern(pack.thanks, `surveys.${language}.thanks`, ['clinic']),
    };
  }
  return out;
}

export const SURVEY_TEMPLATES = loadSurveyTemplates(raw);

export function surveyQuestion(
  language: TemplateLanguage,
  clinic: string,
  practitioner: string | null,
): string {
  const texts = SURVEY_TEMPLATES[language];
  return practitioner
    ? fill(texts.question, { clinic, practitioner })
    : fill(texts.question_any, { clinic });
}

export function surveyThanks(language: TemplateLanguage, clinic: string): string {
  return fill(SURVEY_TEMPLATES[language].thanks, { clinic });
}
