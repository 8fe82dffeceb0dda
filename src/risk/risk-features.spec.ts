import { designFrom, localSlot, shrunkRate, timeBand, type VisitFacts } from './risk-features';

const visit = (over: Partial<VisitFacts> = {}): VisitFacts => ({
  startsAt: new Date('2026-12-08T15:00:00Z'),
  bookedAt: new Date('2026-12-01T15:00:00Z'),
  priorVisits: 0,
  priorNoShows: 0,
  type: 'cleaning',
  practitioner: 'Dr. Kim',
  confirmed: false,
  ...over,
});

describe('risk features', () => {
  it.each([
    // noShows, visits, clinic rate, k -> shrunk rate
    [0, 0, 0.1, 5, 0.1], // no history: the clinic's rate
    [1, 1, 0.1, 5, (1 + 0.5) / 6], // one visit, one no-show: 0.25, not 1
    [2, 4, 0.1, 5, (2 + 0.5) / 9],
    [20, 40, 0.1, 5, (20 + 0.5) / 45], // a long history speaks for itself (~0.46)
    [0, 40, 0.1, 5, 0.5 / 45],
  ])('shrunk rate of %i no-shows in %i visits (clinic %f, k %i) = %f', (n, v, rate, k, out) => {
    expect(shrunkRate(n, v, rate, k)).toBeCloseTo(out, 12);
  });

  it.each([
    // instant, zone -> local weekday (0 Sunday), hour
    ['2026-12-08T15:00:00Z', 'America/Chicago', 2, 9],
    ['2026-12-08T02:30:00Z', 'America/Chicago', 1, 20], // still Monday evening in Chicago
    ['2026-03-08T07:30:00Z', 'America/Chicago', 0, 1], // before the spring-forward gap
    ['2026-03-08T08:30:00Z', 'America/Chicago', 0, 3], // after it: 02:xx never happened
    ['2026-11-01T06:30:00Z', 'America/Chicago', 0, 1], // first 01:30 (CDT)
    ['2026-11-01T07:30:00Z', 'America/Chicago', 0, 1], // second 01:30 (CST)
    ['2026-12-08T15:00:00Z', 'Europe/Madrid', 2, 16],
  ])('%s in %s: weekday %i at %i h local', (instant, zone, weekday, hour) => {
    expect(localSlot(new Date(instant), zone)).toEqual({ weekday, hour });
  });

  it.each([
    [7, 'early'],
    [8, 'early'],
    [9, 'morning'],
    [12, 'midday'],
    [14, 'afternoon'],
    [17, 'evening'],
    [23, 'evening'],
  ])('hour %i is %s', (hour, band) => {
    expect(timeBand(hour)).toBe(band);
  });

  it('pools types and practitioners seen fewer than 30 times; standardises every column', () => {
    const visits = [
      ...Array.from({ length: 40 }, () => visit()),
      ...Array.from({ length: 29 }, () => visit({ type: 'whitening', practitioner: 'Dr. Rare' })),
      ...Array.from({ length: 31 }, () => visit({ type: null, confirmed: true })),
    ];
    const { design, x } = designFrom(visits, new Uint8Array(100).fill(0, 0, 90).fill(1, 90), 'UTC');
    expect(design.types).toEqual(['cleaning']);
    expect(design.practitioners).toEqual(['Dr. Kim']);
    expect(design.clinicRate).toBeCloseTo(0.1, 12);
    expect(design.columns).toEqual(
      expect.arrayContaining(['type:cleaning', 'type:other', 'practitioner:other', 'confirmed']),
    );
    const p = design.columns.length;
    for (let j = 0; j < p; j++) {
      let mean = 0;
      for (let i = 0; i < 100; i++) mean += x[i * p + j] / 100;
      expect(Math.abs(mean)).toBeLessThan(1e-6);
    }
    // no column is the outcome: the design is the same whatever the outcomes are
    const other = designFrom(
      visits,
      new Uint8Array(100).fill(0, 0, 90).fill(1, 90).reverse(),
      'UTC',
    );
    expect(other.x).toEqual(x);
  });
});
