import { api } from './api.js';
import { rateBars, rateLine, splitBar } from './chart.js';
import { clear, h } from './dom.js';
import { addDays, localDate } from './time.js';

const COLUMNS = [
  ['appointments', 'Appointments'],
  ['attended', 'Attended'],
  ['noShows', 'No-shows'],
  ['cancelled', 'Cancelled'],
  ['noShowRate', 'No-show rate'],
  ['confirmed', 'Confirmed by text'],
  ['noShowsConfirmed', 'No-shows: confirmed'],
  ['noShowsUnconfirmed', 'No-shows: reminded, no reply'],
  ['noShowsUnreached', 'No-shows: never reached'],
  ['rescheduledByText', 'Rescheduled by text'],
  ['cancelledByText', 'Cancelled by text'],
];
const rate = (r) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);

export function initReport(clinic) {
  const form = document.getElementById('report-form');
  if (!form.from.value) {
    const today = localDate(new Date(), clinic.timezone);
    form.from.value = addDays(today, -28);
    form.to.value = addDays(today, 1);
  }
  form.onsubmit = (event) => {
    event.preventDefault();
    void showReport(clinic);
  };
  return showReport(clinic);
}

// Only the latest request may draw: an earlier, slower answer must not overwrite a newer one.
let latest = 0;

async function showReport(clinic) {
  const mine = ++latest;
  const form = document.getElementById('report-form');
  const query = new URLSearchParams({
    from: form.from.value,
    to: form.to.value,
    groupBy: form.groupBy.value,
  });
  document.getElementById('report-csv').href = `/v1/reports/no-shows?${query}&format=csv`;
  const error = document.getElementById('report-error');
  error.textContent = '';
  let report;
  let overTime;
  try {
    const days = (Date.parse(form.to.value) - Date.parse(form.from.value)) / 86_400_000;
    const step = days > 120 ? 'month' : days > 31 ? 'week' : 'day';
    [report, overTime] = await Promise.all([
      api(`/v1/reports/no-shows?${query}`),
      api(`/v1/reports/no-shows?from=${form.from.value}&to=${form.to.value}&groupBy=${step}`),
    ]);
  } catch (e) {
    if (mine === latest) error.textContent = e.message;
    return;
  }
  if (mine !== latest) return;
  const t = report.totals;
  clear(document.getElementById('report-totals')).append(
    card('Appointments', t.appointments),
    card('No-show rate', rate(t.noShowRate)),
    card('No-shows', t.noShows),
    card('Confirmed by text', t.confirmed),
    h(
      'div',
      { class: 'card wide' },
      h('span', { class: 'card-label' }, 'No-shows by reply'),
      splitBar(t),
    ),
  );
  const groups = report.groupBy === 'none' ? [{ key: 'All', ...t }] : report.groups;
  // Drawn at the width they are shown at, so text keeps its size on a phone.
  const byGroup = clear(document.getElementById('report-chart-groups'));
  byGroup.append(
    rateBars(
      groups,
      `No-show rate by ${report.groupBy === 'none' ? 'clinic' : report.groupBy}`,
      Math.max(300, byGroup.clientWidth - 16),
    ),
  );
  const byTime = clear(document.getElementById('report-chart-time'));
  byTime.append(
    rateLine(
      overTime.groups.map((g) => ({ label: g.key, rate: g.noShowRate })),
      `No-show rate by ${overTime.groupBy}`,
      Math.max(300, byTime.clientWidth - 16),
    ),
  );
  const table = clear(document.getElementById('report-table'));
  table.append(
    h('caption', {}, `${report.from} to ${report.to} (exclusive), ${report.timezone}`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, report.groupBy === 'none' ? '' : report.groupBy),
        COLUMNS.map(([, label]) => h('th', { scope: 'col' }, label)),
      ),
    ),
    h(
      'tbody',
      {},
      report.groups.map((g) => row(g.key ?? '(none)', g)),
      row('Total', t, 'total'),
    ),
  );
}

function row(label, m, cls) {
  return h(
    'tr',
    { class: cls },
    h('th', { scope: 'row' }, label),
    COLUMNS.map(([key]) => h('td', {}, key === 'noShowRate' ? rate(m[key]) : m[key])),
  );
}

function card(label, value) {
  return h(
    'div',
    { class: 'card' },
    h('span', { class: 'card-label' }, label),
    h('span', { class: 'card-value' }, value),
  );
}
