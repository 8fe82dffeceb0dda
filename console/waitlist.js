import { api } from './api.js';
import { clear, h } from './dom.js';
import { addDays, dateTime, localDate } from './time.js';

const STATUS = { open: 'offered', taken: 'taken by someone else', booked: 'booked' };
const percent = (r) => (r === null ? '—' : `${(r * 100).toFixed(0)}%`);

export async function showWaitlist(clinic) {
  const form = document.getElementById('waitlist-form');
  form.onsubmit = (event) => {
    event.preventDefault();
    void add(clinic, form);
  };
  await Promise.all([list(clinic), figures(clinic)]);
}

async function add(clinic, form) {
  const status = document.getElementById('waitlist-status');
  const error = document.getElementById('waitlist-error');
  status.textContent = '';
  error.textContent = '';
  try {
    const entry = await api('/v1/waitlist', {
      method: 'POST',
      body: {
        patient: { phone: form.phone.value, ...(form.name.value ? { name: form.name.value } : {}) },
        practitioner: form.practitioner.value || null,
        priority: Number(form.priority.value || 0),
      },
    });
    status.textContent = `Added ${entry.patient.name ?? entry.patient.phone} to the waitlist.`;
    form.reset();
    await list(clinic);
  } catch (e) {
    error.textContent = `Not added: ${e.message}`;
  }
}

async function remove(clinic, entry) {
  const status = document.getElementById('waitlist-status');
  await api(`/v1/waitlist/${entry.id}`, { method: 'DELETE' });
  status.textContent = `Removed ${entry.patient.name ?? entry.patient.phone} from the waitlist.`;
  await list(clinic);
}

async function list(clinic) {
  const root = clear(document.getElementById('waitlist-list'));
  const [waiting, offered] = await Promise.all([
    api('/v1/waitlist?status=waiting'),
    api('/v1/waitlist?status=offered'),
  ]);
  const entries = [...offered.items, ...waiting.items];
  if (entries.length === 0) {
    root.append(h('p', { class: 'hint' }, 'Nobody is waiting.'));
    return;
  }
  root.append(
    h(
      'ul',
      { class: 'experiments' },
      entries.map((e) => item(clinic, e)),
    ),
  );
}

function item(clinic, e) {
  const who = e.patient.name ? `${e.patient.name} (${e.patient.phone})` : e.patient.phone;
  const wants = [
    e.practitioner ?? 'any practitioner',
    e.type,
    e.priority ? `priority ${e.priority}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return h(
    'li',
    { class: `waitlist-entry waitlist-${e.status}` },
    h(
      'div',
      { class: 'delivery-head' },
      h('strong', {}, who),
      h('span', {}, ` ${wants}`),
      h(
        'button',
        { type: 'button', onclick: () => void remove(clinic, e), 'aria-label': `Remove ${who}` },
        'Remove',
      ),
    ),
    e.offers.length === 0
      ? h('p', { class: 'hint' }, 'No offers yet.')
      : h(
          'ul',
          {},
          e.offers.map((o) =>
            h(
              'li',
              {},
              `Offered ${dateTime(o.startsAt, clinic.timezone)} with ${o.practitioner}: `,
              STATUS[o.status] ?? o.status,
            ),
          ),
        ),
  );
}

async function figures(clinic) {
  const table = clear(document.getElementById('backfill-figures'));
  // The past month and the fortnight ahead: freed time is offered up to 14 days out.
  const today = localDate(new Date(), clinic.timezone);
  const report = await api(
    `/v1/reports/backfill?from=${addDays(today, -30)}&to=${addDays(today, 15)}`,
  );
  const t = report.totals;
  const rows = [
    ['Freed slots', t.freedSlots],
    ['Offered', t.offered],
    ['Filled from the waitlist', t.filled],
    ['Fill rate', percent(t.fillRate)],
    ['Median minutes to fill', t.medianMinutesToFill ?? '—'],
    ['Offer texts', t.offerTexts],
    ['Re-booked after a missed visit', t.rebookedAfterNoShow],
  ];
  table.append(
    h('caption', {}, `Freed time ${report.from} to ${report.to}`),
    h(
      'tbody',
      {},
      rows.map(([label, value]) =>
        h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, value)),
      ),
    ),
  );
}
