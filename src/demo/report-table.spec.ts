import { reportTable, type ReportMetrics } from './report-table';

const zero: ReportMetrics = {
  appointments: 0,
  attended: 0,
  noShows: 0,
  cancelled: 0,
  noShowRate: null,
  confirmed: 0,
  noShowsConfirmed: 0,
  noShowsUnconfirmed: 0,
  noShowsUnreached: 0,
  rescheduledByText: 0,
  cancelledByText: 0,
};

describe('reportTable', () => {
  it('lines up groups and the total, rates as percentages, no rate as a dash', () => {
    const text = reportTable({
      from: '2026-11-21',
      to: '2026-12-04',
      timezone: 'America/Chicago',
      groupBy: 'practitioner',
      totals: { ...zero, appointments: 12, attended: 2, noShows: 1, noShowRate: 1 / 3 },
      groups: [
        { ...zero, key: 'Dr. Kim', appointments: 12, attended: 2, noShows: 1, noShowRate: 1 / 3 },
        { ...zero, key: null },
      ],
    });
    expect(text.split('\n')).toEqual([
      'No-show report, 2026-11-21 to 2026-12-04 (exclusive), America/Chicago, by practitioner',
      'practitioner  Appts  Came  No-show  Cancel   Rate  Conf  NS conf  NS no reply  NS unreached  Resched  Cancel txt',
      '------------  -----  ----  -------  ------  -----  ----  -------  -----------  ------------  -------  ----------',
      'Dr. Kim          12     2        1       0  33.3%     0        0            0             0        0           0',
      '(none)            0     0        0       0      -     0        0            0             0        0           0',
      '------------  -----  ----  -------  ------  -----  ----  -------  -----------  ------------  -------  ----------',
      'Total            12     2        1       0  33.3%     0        0            0             0        0           0',
    ]);
  });
});
