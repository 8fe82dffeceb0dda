import { api } from './api.js';
import { clear, h } from './dom.js';
import { localDate } from './time.js';

const percent = (r) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
const interval = (i) => (i ? `${percent(i.low)} to ${percent(i.high)}` : '—');
const points = (d) => `${d > 0 ? '+' : ''}${(d * 100).toFixed(1)} pts`;
const pValue = (p) => (p < 0.001 ? '< 0.001' : p.toFixed(3));

export async function showExperiments(clinic) {
  const form = document.getElementById('experiment-form');
  const ready = await api('/v1/experiments/ready-templates');
  const cost = ready.items.find((t) => t.key === 'cost');
  if (!form.startsOn.value) {
    form.startsOn.value = localDate(new Date(), clinic.timezone);
    form.name.value = cost.name;
    form.en.value = cost.templates.en;
    form.es.value = cost.templates.es;
    document.getElementById('experiment-source').textContent = cost.source;
  }
  form.onsubmit = (event) => {
    event.preventDefault();
    void start(clinic, form);
  };
  await list(clinic);
}

async function start(clinic, form) {
  const status = document.getElementById('experiments-status');
  const error = document.getElementById('experiment-error');
  status.textContent = '';
  error.textContent = '';
  try {
    const created = await api('/v1/experiments', {
      method: 'POST',
      body: {
        name: form.name.value,
        variants: [
          { key: 'control' },
          { key: 'cost', templates: { en: form.en.value, es: form.es.value } },
        ],
        startsOn: form.startsOn.value,
        endsOn: form.endsOn.value || null,
      },
    });
    const checks = created.variants[1].templateChecks;
    status.textContent =
      `Started: ${created.name}. English ${checks.en.segments} ${checks.en.encoding} ` +
      `segment(s), Spanish ${checks.es.segments} ${checks.es.encoding} segment(s).`;
    await list(clinic);
  } catch (e) {
    error.textContent = `Not started: ${e.message}`;
  }
}

async function list(clinic) {
  const root = clear(document.getElementById('experiments-list'));
  const page = await api('/v1/experiments');
  if (page.items.length === 0) {
    root.append(h('p', { class: 'hint' }, 'No experiments yet.'));
    return;
  }
  root.append(
    h(
      'ul',
      { class: 'experiments' },
      page.items.map((e) => item(clinic, e)),
    ),
  );
}

function item(clinic, e) {
  const dates = `${e.startsOn} to ${e.endsOn ?? 'until ended'}`;
  const variants = e.variants.map((v) => v.key).join(' / ');
  return h(
    'li',
    { class: `experiment experiment-${e.status}` },
    h(
      'div',
      { class: 'delivery-head' },
      h('span', { class: 'what' }, e.name),
      h('span', { class: `status status-${e.status}` }, e.status),
    ),
    h('p', { class: 'hint' }, `${variants} · ${dates}`),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          'aria-label': `Results: ${e.name}`,
          onclick: () => void results(e),
        },
        'Results',
      ),
      e.status === 'ended'
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': `End: ${e.name}`,
              onclick: async () => {
                await api(`/v1/experiments/${encodeURIComponent(e.id)}/end`, { method: 'POST' });
                document.getElementById('experiments-status').textContent = `Ended: ${e.name}.`;
                await list(clinic);
              },
            },
            'End',
          ),
    ),
  );
}

const COLUMNS = [
  'Variant',
  'Appointments',
  'Attended',
  'No-shows',
  'No-show rate',
  '95% interval',
  'Confirmed',
  'Difference',
  '95% interval of the difference',
  'p (two-sided)',
  'More visits needed per variant',
];

async function results(e) {
  const r = await api(`/v1/experiments/${encodeURIComponent(e.id)}/results`);
  const table = clear(document.getElementById('experiment-results'));
  table.append(
    h('caption', {}, `${r.name}: results (${r.status})`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        COLUMNS.map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      r.variants.map((v) => {
        const c = v.comparison;
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, v.key),
          h('td', {}, v.appointments),
          h('td', {}, v.attended),
          h('td', {}, v.noShows),
          h('td', {}, percent(v.noShowRate)),
          h('td', {}, interval(v.noShowRateInterval)),
          h('td', {}, percent(v.confirmedRate)),
          h('td', {}, c ? points(c.difference) : '—'),
          h(
            'td',
            {},
            c ? `${points(c.differenceInterval.low)} to ${points(c.differenceInterval.high)}` : '—',
          ),
          h(
            'td',
            {},
            c ? `${pValue(c.pValue)} (${c.test === 'fisher_exact' ? 'Fisher' : 'χ²'})` : '—',
          ),
          h('td', {}, c && c.moreNeededPerVariant !== null ? c.moreNeededPerVariant : '—'),
        );
      }),
    ),
  );
  document.getElementById('experiment-summary').textContent = r.summary;
}
