import { parseReportRange } from './report-range';

describe('parseReportRange', () => {
  it('accepts a month, a single day and exactly 400 days', () => {
    expect(parseReportRange('2026-11-01', '2026-12-01')).toEqual({
      ok: true,
      from: '2026-11-01',
      to: '2026-12-01',
      days: 30,
    });
    expect(parseReportRange('2026-11-01', '2026-11-02')).toMatchObject({ ok: true, days: 1 });
    expect(parseReportRange('2026-01-01', '2027-02-05')).toMatchObject({ ok: true, days: 400 });
  });

  it('refuses 401 days, naming to', () => {
    expect(parseReportRange('2026-01-01', '2027-02-06')).toEqual({
      ok: false,
      errors: ['to must be at most 400 days after from (got 401)'],
    });
  });

  it('refuses from >= to', () => {
    expect(parseReportRange('2026-11-01', '2026-11-01')).toMatchObject({
      ok: false,
      errors: ['to must be a later date than from'],
    });
    expect(parseReportRange('2026-12-01', '2026-11-01')).toMatchObject({ ok: false });
  });

  it.each(['2026-02-29', '2026-13-01', '2026-11-31', '2026-11-1', '2026-11-01T00:00', 'today'])(
    'refuses %j, naming the field',
    (bad) => {
      expect(parseReportRange(bad, '2027-01-01')).toEqual({
        ok: false,
        errors: [expect.stringMatching(/^from must be a calendar date YYYY-MM-DD/)],
      });
      expect(parseReportRange('2026-01-01', bad)).toEqual({
        ok: false,
        errors: [expect.stringMatching(/^to must be a calendar date YYYY-MM-DD/)],
      });
    },
  );

  it('accepts 29 February in a leap year', () => {
    expect(parseReportRange('2028-02-29', '2028-03-01')).toMatchObject({ ok: true, days: 1 });
  });
});
