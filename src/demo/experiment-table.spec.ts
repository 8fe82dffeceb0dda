import { experimentTable } from './experiment-table';

describe('experimentTable', () => {
  it('prints one row per variant, the comparison on all but the first, then the sentence', () => {
    const text = experimentTable({
      name: 'cost of a missed visit',
      status: 'ended',
      summary: 'Variant cost had fewer no-shows than control.',
      variants: [
        {
          key: 'control',
          appointments: 200,
          attended: 172,
          noShows: 28,
          noShowRate: 0.14,
          noShowRateInterval: { low: 0.0988, high: 0.1947 },
          comparison: null,
        },
        {
          key: 'cost',
          appointments: 200,
          attended: 186,
          noShows: 14,
          noShowRate: 0.07,
          noShowRateInterval: { low: 0.0422, high: 0.1139 },
          comparison: {
            difference: -0.07,
            differenceInterval: { low: -0.1318, high: -0.0098 },
            pValue: 0.0226,
            test: 'chi_square',
          },
        },
      ],
    });
    expect(text.split('\n')).toEqual([
      'Experiment "cost of a missed visit" (ended)',
      'Variant  Appts  Came  No-show   Rate      95% CI  Diff (pts)         95% CI      p',
      '-------  -----  ----  -------  -----  ----------  ----------  -------------  -----',
      'control    200   172       28  14.0%  9.9%-19.5%           -              -      -',
      'cost       200   186       14   7.0%  4.2%-11.4%        -7.0  -13.2 to -1.0  0.023',
      '',
      'Variant cost had fewer no-shows than control.',
    ]);
  });
});
