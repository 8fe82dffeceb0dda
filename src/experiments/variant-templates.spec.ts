import { checkTemplate, READY_TEMPLATES, templateProblems } from './variant-templates';

describe('variant templates', () => {
  it('ships the "cost of a missed visit" wording in one GSM-7 segment for a 30-character name', () => {
    const cost = READY_TEMPLATES.find((t) => t.key === 'cost')!;
    const name = 'Lakeside Family Dental Clinic!'; // 30 characters
    for (const language of ['en', 'es'] as const) {
      expect(checkTemplate(cost.templates[language], language, name)).toMatchObject({
        encoding: 'GSM-7',
        segments: 1,
      });
    }
  });

  it('names the field and the placeholder that is unknown or missing', () => {
    expect(templateProblems('{clinic} {day} {time} {doctor}', 'en', 'C', 'f')).toEqual([
      'f uses {doctor}; the default reminder uses {clinic}, {day}, {time}',
    ]);
    expect(templateProblems('{clinic} on {day}', 'es', 'C', 'f')).toEqual([
      "f must use the default reminder's placeholders {clinic}, {day}, {time} (missing {time})",
    ]);
    expect(templateProblems('{clinic} {day} {time}', 'en', 'C', 'f')).toEqual([]);
  });

  it('reports UCS-2 when a character is outside GSM-7, and refuses more than 3 segments', () => {
    expect(checkTemplate('{clinic} {day} {time} á', 'es', 'C')).toMatchObject({
      encoding: 'UCS-2',
      segments: 1,
    });
    const long = `{clinic} {day} {time} ${'á'.repeat(200)}`;
    expect(templateProblems(long, 'es', 'C', 'f')).toEqual(['f needs 4 UCS-2 segments; at most 3']);
  });
});
