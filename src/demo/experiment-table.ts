/** An experiment's results as a fixed-width text table, for a terminal. */
export interface ResultsLike {
  name: string;
  status: string;
  summary: string;
  variants: {
    key: string;
    appointments: number;
    attended: number;
    noShows: number;
    noShowRate: number | null;
    noShowRateInterval: { low: number; high: number } | null;
    comparison: {
      difference: number;
      differenceInterval: { low: number; high: number };
      pValue: number;
      test: string;
    } | null;
  }[];
}

const percent = (r: number): string => `${(r * 100).toFixed(1)}%`;
const points = (d: number): string => `${d > 0 ? '+' : ''}${(d * 100).toFixed(1)}`;

export function experimentTable(results: ResultsLike): string {
  const head = [
    'Variant',
    'Appts',
    'Came',
    'No-show',
    'Rate',
    '95% CI',
    'Diff (pts)',
    '95% CI',
    'p',
  ];
  const rows = results.variants.map((v) => {
    const c = v.comparison;
    return [
      v.key,
      String(v.appointments),
      String(v.attended),
      String(v.noShows),
      v.noShowRate === null ? '-' : percent(v.noShowRate),
      v.noShowRateInterval
        ? `${percent(v.noShowRateInterval.low)}-${percent(v.noShowRateInterval.high)}`
        : '-',
      c ? points(c.difference) : '-',
      c ? `${points(c.differenceInterval.low)} to ${points(c.differenceInterval.high)}` : '-',
      c ? (c.pValue < 0.001 ? '<0.001' : c.pValue.toFixed(3)) : '-',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    `Experiment "${results.name}" (${results.status})`,
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    results.summary,
  ].join('\n');
}
