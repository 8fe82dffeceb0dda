import { api } from './api.js';
import { clear, h } from './dom.js';
import { dateTime } from './time.js';

const TYPES = {
  'appointment.confirmed': 'Confirmed',
  'appointment.cancelled': 'Cancelled',
  'appointment.rescheduled': 'Rescheduled',
  'appointment.no_show': 'No-show',
  'appointment.reschedule_requested': 'Wants to reschedule',
};

export async function showCalendar(clinic) {
  const form = document.getElementById('calendar-form');
  form.onchange = () => void showCalendar(clinic);
  const status = form.status.value;
  const root = clear(document.getElementById('calendar-list'));
  const page = await api(`/v1/calendar-deliveries${status ? `?status=${status}` : ''}`);
  if (page.items.length === 0) {
    root.append(h('p', { class: 'hint' }, 'No deliveries.'));
    return;
  }
  root.append(
    h(
      'ul',
      { class: 'deliveries' },
      page.items.map((d) => deliveryRow(clinic, d)),
    ),
  );
}

function deliveryRow(clinic, d) {
  const tz = clinic.timezone;
  const facts = [`${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`];
  if (d.lastStatusCode !== null) facts.push(`last answer ${d.lastStatusCode}`);
  if (d.lastError) facts.push(d.lastError);
  if (d.status === 'pending' && d.nextAttemptAt)
    facts.push(`next try ${dateTime(d.nextAttemptAt, tz)}`);
  if (d.deliveredAt) facts.push(`delivered ${dateTime(d.deliveredAt, tz)}`);
  const message = h('p', { class: 'error', role: 'status' });
  const label = `${TYPES[d.type] ?? d.type}, ${dateTime(d.occurredAt, tz)}`;
  return h(
    'li',
    { class: `delivery delivery-${d.status}` },
    h(
      'div',
      { class: 'delivery-head' },
      h('span', { class: 'what' }, label),
      h('span', { class: `status status-${d.status}` }, d.status),
    ),
    h('p', { class: 'hint' }, facts.join(' · ')),
    d.status === 'failed'
      ? h(
          'button',
          {
            type: 'button',
            'aria-label': `Retry: ${label}`,
            onclick: async () => {
              message.textContent = '';
              try {
                await api(`/v1/calendar-deliveries/${encodeURIComponent(d.id)}/retry`, {
                  method: 'POST',
                });
                document.getElementById('calendar-status').textContent = `Retrying: ${label}.`;
                await showCalendar(clinic);
              } catch (e) {
                message.textContent = `Not retried: ${e.message}`;
              }
            },
          },
          'Retry',
        )
      : null,
    message,
  );
}
