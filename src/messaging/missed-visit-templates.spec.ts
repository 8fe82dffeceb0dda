import { loadMissedVisitTemplates, renderMissedVisitFollowUp } from './missed-visit-templates';
import { countSegments } from './segments';
import { TemplateConfigError } from './templates';

describe('missed-visit follow-up texts', () => {
  it.each(['en', 'es'] as const)('%s: one GSM-7 segment with a long clinic name', (language) => {
    const body = renderMissedVisitFollowUp(language, 'Lakeside Family Dental & Orthodontics', {
      startsAt: new Date('2026-11-26T15:30:00Z'),
      zone: 'America/Chicago',
    });
    expect(body).toContain('Lakeside Family Dental & Orthodontics');
    expect(body).toContain(language === 'en' ? 'Thu Nov 26' : 'jue 26 nov');
    expect(body).toMatch(/\bR\b/);
    expect(countSegments(body)).toMatchObject({ segments: 1, encoding: 'GSM-7' });
  });

  it('a placeholder other than {clinic} and {day} fails the load, naming the template', () => {
    const pack = { missed_visit: { follow_up: '{clinic}: we missed you at {time}.' } };
    expect(() => loadMissedVisitTemplates({ en: pack, es: pack })).toThrow(
      new TemplateConfigError('en.missed_visit.follow_up uses {time}; allowed: clinic, day'),
    );
  });
});
