import { api } from './api.js';
import { clear, h } from './dom.js';
import { dateTime } from './time.js';

// Admins: who read or changed what, newest first, with the same filters as GET /v1/audit.
function query(form, format) {
  const q = new URLSearchParams();
  if (form.from.value) q.set('from', new Date(form.from.value).toISOString());
  if (form.to.value) q.set('to', new Date(form.to.value).toISOString());
  if (form.actor.value) q.set('actor', form.actor.value);
  if (form.patientPhone.value.trim()) q.set('patientPhone', form.patientPhone.value.trim());
  q.set('limit', '500');
  if (format) q.set('format', format);
  return `/v1/audit?${q}`;
}

export async function showAudit(clinic) {
  const form = document.getElementById('audit-form');
  const error = document.getElementById('audit-error');
  form.onsubmit = (event) => {
    event.preventDefault();
    void showAudit(clinic);
  };
  error.textContent = '';
  const actors = form.actor;
  if (!actors.querySelector('option[data-person]')) {
    const people = await api('/v1/staff');
    for (const p of people.items) {
      actors.append(h('option', { value: p.id, 'data-person': true }, p.name));
    }
  }
  document.getElementById('audit-csv').setAttribute('href', query(form, 'csv'));
  const root = clear(document.getElementById('audit-list'));
  let page;
  try {
    page = await api(query(form));
  } catch (e) {
    error.textContent = e.message;
    return;
  }
  if (page.items.length === 0) {
    root.append(h('p', { class: 'hint' }, 'Nothing recorded for these filters.'));
    return;
  }
  root.append(
    h(
      'div',
      {
        class: 'table-wrap',
        tabindex: '0',
        role: 'region',
        'aria-label': 'Audit entries, scrolls sideways',
      },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['When', 'Who', 'Action', 'Patient', 'Appointment', 'Address'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          page.items.map((e) =>
            h(
              'tr',
              {},
              h('td', {}, dateTime(e.at, clinic.timezone)),
              h('td', {}, e.actor.name),
              h('td', {}, e.action),
              h('td', {}, e.patientPhone ?? ''),
              h('td', {}, e.appointmentId ?? ''),
              h('td', {}, e.clientAddress ?? ''),
            ),
          ),
        ),
      ),
    ),
  );
}
