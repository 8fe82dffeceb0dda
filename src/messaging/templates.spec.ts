import { countSegments } from './segments';
import {
  ANSWER_KINDS,
  loadTemplates,
  renderAnswer,
  renderReminder,
  TEMPLATE_KINDS,
  TEMPLATE_LANGUAGES,
  TEMPLATES,
  TemplateConfigError,
  templateWarnings,
} from './templates';

// 2026-12-01T15:30:00Z is Tuesday 09:30 in Chicago.
const FACTS = {
  clinicName: 'Lakeside Dental',
  startsAt: new Date('2026-12-01T15:30:00Z'),
  zone: 'America/Chicago',
};

describe('reminder templates', () => {
  it('render the English reminder with the day and local time', () => {
    expect(renderReminder('reminder', 'en', FACTS)).toBe(
      'Lakeside Dental: reminder of your appointment Tue Dec 1 at 9:30 AM. ' +
        'Reply C to confirm, R to reschedule, X to cancel.',
    );
  });

  it('render the Spanish reminder with Spanish day and month names', () => {
    expect(renderReminder('reminder', 'es', FACTS)).toBe(
      'Lakeside Dental: recordatorio de su cita el mar 1 dic a las 9:30. ' +
        'Responda C para confirmar, R para cambiar, X para cancelar.',
    );
  });

  it('say "see you" without the C/R/X prompt once the patient confirmed', () => {
    expect(renderReminder('see_you', 'en', FACTS)).toBe(
      'Lakeside Dental: see you Tue Dec 1 at 9:30 AM.',
    );
    expect(renderReminder('see_you', 'es', FACTS)).toBe(
      'Lakeside Dental: le esperamos el mar 1 dic a las 9:30.',
    );
    for (const language of TEMPLATE_LANGUAGES) {
      expect(renderReminder('see_you', language, FACTS)).not.toMatch(/\bC\b|\bX\b/);
    }
  });

  it('read the day and time in the zone it is given (the patient’s)', () => {
    const late = { ...FACTS, startsAt: new Date('2026-12-02T04:15:00Z') };
    expect(renderReminder('see_you', 'en', { ...late, zone: 'America/Chicago' })).toContain(
      'Tue Dec 1 at 10:15 PM',
    );
    expect(renderReminder('see_you', 'en', { ...late, zone: 'Europe/Madrid' })).toContain(
      'Wed Dec 2 at 5:15 AM',
    );
    expect(renderReminder('see_you', 'es', { ...late, zone: 'Europe/Madrid' })).toContain(
      'mié 2 dic a las 5:15.',
    );
  });

  it('write noon and midnight as 12', () => {
    const noon = { ...FACTS, startsAt: new Date('2026-12-05T18:00:00Z') };
    expect(renderReminder('see_you', 'en', noon)).toContain('Sat Dec 5 at 12:00 PM');
    expect(renderReminder('see_you', 'es', noon)).toContain('sab 5 dic a las 12:00.');
    const midnight = { ...FACTS, startsAt: new Date('2026-12-05T06:00:00Z') };
    expect(renderReminder('see_you', 'en', midnight)).toContain('at 12:00 AM');
  });

  it('fit one GSM-7 segment for a typical clinic name, every weekday, in both languages', () => {
    for (let day = 0; day < 7; day++) {
      const startsAt = new Date(Date.UTC(2026, 11, 26 + day, 18, 45));
      for (const language of TEMPLATE_LANGUAGES) {
        for (const kind of TEMPLATE_KINDS) {
          const body = renderReminder(kind, language, { ...FACTS, startsAt });
          expect(countSegments(body)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
        }
      }
    }
  });

  describe('keyword answers', () => {
    // A long-ish clinic name and a full US number: the answers must still be one segment.
    const facts = { clinicName: 'Lakeside Family Dental Care', contactPhone: '+13125550199' };

    it.each(TEMPLATE_LANGUAGES.flatMap((l) => ANSWER_KINDS.map((k) => [l, k] as const)))(
      'fit one GSM-7 segment: %s %s',
      (language, kind) => {
        const body = renderAnswer(kind, language, facts);
        expect(countSegments(body)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
        expect(body).toContain(facts.clinicName);
      },
    );

    it('HELP names the clinic, its contact phone and how to opt out', () => {
      expect(renderAnswer('help', 'en', facts)).toBe(
        'Lakeside Family Dental Care appointment reminders. Questions? Call +13125550199. ' +
          'Reply STOP to opt out. Msg&data rates may apply.',
      );
      expect(renderAnswer('help', 'es', facts)).toMatch(/llame al \+13125550199\. Responda STOP/);
    });

    it('say how to undo an opt-out, and how to opt out again', () => {
      expect(renderAnswer('opt_out', 'en', facts)).toContain('Reply START');
      expect(renderAnswer('opt_out', 'es', facts)).toContain('Responda START');
      expect(renderAnswer('opt_in', 'en', facts)).toContain('Reply STOP');
      expect(renderAnswer('opt_in', 'es', facts)).toContain('Responda STOP');
    });
  });

  it('name nothing clinical: only the clinic, the day and the time can be filled in', () => {
    const all = JSON.stringify(TEMPLATES.en.messages) + JSON.stringify(TEMPLATES.es.messages);
    expect([...all.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()).toEqual(
      expect.arrayContaining(['clinic', 'day', 'time']),
    );
    expect(all).not.toMatch(/\{(practitioner|type|location|name|patient)\}/);
  });

  describe('loader', () => {
    const valid = () => JSON.parse(JSON.stringify(TEMPLATES)) as Record<string, never>;

    it('accepts the shipped file', () => {
      expect(loadTemplates(valid())).toEqual(TEMPLATES);
    });

    it('refuses a placeholder it does not know', () => {
      const bad = valid() as unknown as { en: { messages: { reminder: string } } };
      bad.en.messages.reminder = '{clinic}: {practitioner} sees you {day} at {time}.';
      expect(() => loadTemplates(bad)).toThrow(TemplateConfigError);
      expect(() => loadTemplates(bad)).toThrow(/en\.messages\.reminder uses \{practitioner\}/);
    });

    it('refuses a missing language, kind or name list', () => {
      const noEs = valid() as Record<string, unknown>;
      delete noEs.es;
      expect(() => loadTemplates(noEs)).toThrow(/es must be an object/);
      const noKind = valid() as unknown as { es: { messages: Record<string, string> } };
      delete noKind.es.messages.see_you;
      expect(() => loadTemplates(noKind)).toThrow(/es\.messages\.see_you/);
      const shortMonths = valid() as unknown as { en: { months: string[] } };
      shortMonths.en.months.pop();
      expect(() => loadTemplates(shortMonths)).toThrow(/en\.months must list 12 names/);
    });
  });

  describe('warnings', () => {
    it('are empty for a short clinic name', () => {
      expect(templateWarnings('Lakeside Dental')).toEqual([]);
    });

    it('name each text a long clinic name pushes past one segment', () => {
      const warnings = templateWarnings(
        'Lakeside Family and Cosmetic Dentistry of Greater Chicago',
      );
      expect(warnings.map((w) => `${w.language}.${w.template}`)).toEqual([
        'en.reminder',
        'es.reminder',
      ]);
      expect(warnings[0]).toMatchObject({ segments: 2, encoding: 'GSM-7' });
      expect(warnings[0].message).toContain('2 GSM-7 segments');
    });

    it('catch a character in the name that forces UCS-2', () => {
      const warnings = templateWarnings('Clínica Dental Sonrisa');
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings.every((w) => w.encoding === 'UCS-2')).toBe(true);
    });
  });
});
