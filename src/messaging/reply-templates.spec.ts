import raw from '../../config/templates.json';
import { countSegments } from './segments';
import { loadReplyTemplates, REPLY_TEMPLATE_KINDS, renderReply } from './reply-templates';
import { TemplateConfigError } from './templates';

const facts = {
  clinicName: 'Lakeside Dental',
  contactPhone: '+13125550199',
  // Wed Dec 22 and later: two-digit dates, late hours, the longest readings.
  startsAt: new Date('2027-12-22T22:59:00Z'),
  zone: 'UTC',
  options: [
    new Date('2027-12-23T22:59:00Z'),
    new Date('2027-12-24T10:59:00Z'),
    new Date('2027-12-27T22:59:00Z'),
  ],
};

describe('reply templates', () => {
  it('names the day and time in the patient’s language and zone', () => {
    expect(
      renderReply('confirmed', 'en', {
        ...facts,
        startsAt: new Date('2026-12-01T15:30:00Z'),
        zone: 'America/Chicago',
      }),
    ).toBe('Lakeside Dental: your appointment Tue Dec 1 at 9:30 AM is confirmed. See you then.');
    expect(
      renderReply('cancelled', 'es', {
        ...facts,
        startsAt: new Date('2026-12-01T22:30:00Z'),
        zone: 'America/Chicago',
      }),
    ).toBe('Lakeside Dental: su cita el mar 1 dic a las 16:30 queda cancelada.');
  });

  it.each([
    [
      'en',
      { when: 'today_by', time: { hour: 17, minute: 0 } },
      'Staff will reply today by 5:00 PM.',
    ],
    [
      'en',
      { when: 'today_from', time: { hour: 8, minute: 30 } },
      'Staff will reply today from 8:30 AM.',
    ],
    [
      'en',
      { when: 'tomorrow_from', time: { hour: 8, minute: 0 } },
      'Staff will reply tomorrow from 8:00 AM.',
    ],
    [
      'en',
      { when: 'weekday_from', weekday: 1, time: { hour: 8, minute: 0 } },
      'Staff will reply Monday from 8:00 AM.',
    ],
    ['en', null, 'Staff will read your message.'],
    [
      'es',
      { when: 'today_by', time: { hour: 17, minute: 0 } },
      'El personal le respondera hoy antes de las 17:00.',
    ],
    [
      'es',
      { when: 'tomorrow_from', time: { hour: 8, minute: 0 } },
      'El personal le respondera mañana desde las 8:00.',
    ],
    [
      'es',
      { when: 'weekday_from', weekday: 3, time: { hour: 9, minute: 0 } },
      'El personal le respondera el miercoles desde las 9:00.',
    ],
    ['es', null, 'El personal lo leera.'],
  ] as const)(
    'the unrecognised answer in %s says when staff reply: %j',
    (language, at, sentence) => {
      const body = renderReply('unrecognized', language, { ...facts, staffReplyAt: at });
      expect(body.endsWith(` ${sentence}`)).toBe(true);
      expect(countSegments(body).encoding).toBe('GSM-7');
    },
  );

  it('numbers the offered times', () => {
    expect(
      renderReply('offer', 'en', {
        ...facts,
        startsAt: new Date('2026-12-01T15:30:00Z'),
        zone: 'America/Chicago',
        options: [new Date('2026-12-02T15:00:00Z'), new Date('2026-12-03T20:15:00Z')],
      }),
    ).toBe(
      'Lakeside Dental: new times for your Tue Dec 1 9:30 AM visit, held 15 min. ' +
        'Reply 1) Wed Dec 2 9:00 AM, 2) Thu Dec 3 2:15 PM',
    );
  });

  it('adds the contact phone only when the clinic has one', () => {
    expect(renderReply('no_appointment', 'en', { ...facts, startsAt: null })).toContain(
      'Questions: +13125550199.',
    );
    expect(
      renderReply('no_appointment', 'en', { ...facts, startsAt: null, contactPhone: null }),
    ).toBe(
      'Lakeside Dental: we have no upcoming appointment for this number. Reply STOP to opt out.',
    );
  });

  it.each(REPLY_TEMPLATE_KINDS.flatMap((k) => [[k, 'en'] as const, [k, 'es'] as const]))(
    '%s (%s) fits one GSM-7 segment at its longest',
    (kind, language) => {
      const count = countSegments(renderReply(kind, language, facts));
      expect(count).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    },
  );

  it('refuses a placeholder it cannot fill', () => {
    const bad = structuredClone(raw);
    bad.en.replies.confirmed = '{clinic}: see you {when}';
    expect(() => loadReplyTemplates(bad)).toThrow(TemplateConfigError);
    expect(() => loadReplyTemplates(bad)).toThrow('en.replies.confirmed uses {when}');
  });
});
