/** The no-show report as a fixed-width text table, for a terminal. */
export interface ReportMetrics {
  appointments: number;
  attended: number;
  noShows: number;
  cancelled: number;
  noShowRate: number | null;
  confirmed: number;
  noShowsConfirmed: number;
  noShowsUnconfirmed: number;
  noShowsUnreached: number;
  rescheduledByText: number;
  cancelledByText: number;
}

export interface ReportLike {
  from: string;
  to: string;
  timezone: string;
  groupBy: string;
  totals: ReportMetrics;
  groups: (ReportMetrics & { key: string | null })[];
}

const COLUMNS: [keyof ReportMetrics, string][] = [
  ['appointments', 'Appts'],
  ['attended', 'Came'],
  ['noShows', 'No-show'],
  ['cancelled', 'Cancel'],
  ['noShowRate', 'Rate'],
  ['confirmed', 'Conf'],
  ['noShowsConfirmed', 'NS conf'],
  ['noShowsUnconfirmed', 'NS no reply'],
  ['noShowsUnreached', 'NS unreached'],
  ['rescheduledByText', 'Resched'],
  ['cancelledByText', 'Cancel txt'],
];

function cell(metrics: ReportMetrics, key: keyof ReportMetrics): string {
  const value = metrics[key];
  if (key !== 'noShowRate') return String(value);
  return value === null ? '-' : `${(value * 100).toFixed(1)}%`;
}

export function reportTable(report: ReportLike): string {
  const head = [report.groupBy === 'none' ? '' : report.groupBy, ...COLUMNS.map(([, t]) => t)];
  const rows = [
    ...report.groups.map((g) => [g.key ?? '(none)', ...COLUMNS.map(([k]) => cell(g, k))]),
    ['Total', ...COLUMNS.map(([k]) => cell(report.totals, k))],
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    `No-show report, ${report.from} to ${report.to} (exclusive), ${report.timezone}, by ${report.groupBy}`,
    line(head),
    rule,
    ...rows.slice(0, -1).map(line),
    rule,
    line(rows[rows.length - 1]),
  ].join('\n');
}
