import { api } from './api.js';
import { clear, h } from './dom.js';
import { addDays, dateTime, localDate, longDate, timeOfDay } from './time.js';

const STATUS_LABELS = {
  scheduled: 'Scheduled',
  confirmed: 'Confirmed',
  reschedule_requested: 'Wants to reschedule',
  cancelled: 'Cancelled',
  arrived: 'Arrived',
  completed: 'Completed',
  no_show: 'No-show',
};

export async function showAppointments(clinic) {
  const root = clear(document.getElementById('appointments-days'));
  const today = localDate(new Date(), clinic.timezone);
  const page = await api(`/v1/appointments?from=${today}&to=${addDays(today, 2)}&limit=500`);
  for (const [offset, title] of [
    [0, 'Today'],
    [1, 'Tomorrow'],
  ]) {
    const date = addDays(today, offset);
    const items = page.items.filter(
      (a) => localDate(new Date(a.startsAt), clinic.timezone) === date,
    );
    root.append(
      h(
        'section',
        { class: 'day', 'aria-label': `${title}, ${longDate(date)}` },
        h('h3', {}, `${title} · ${longDate(date)}`),
        items.length === 0
          ? h('p', { class: 'hint' }, 'No appointments.')
          : h(
              'ul',
              { class: 'appointments' },
              items.map((a) => appointmentRow(a, clinic)),
            ),
      ),
    );
  }
}

function appointmentRow(a, clinic) {
  const details = h('div', { class: 'details', hidden: true });
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'row',
      'aria-expanded': 'false',
      onclick: async () => {
        const open = toggle.getAttribute('aria-expanded') === 'true';
        toggle.setAttribute('aria-expanded', String(!open));
        details.hidden = open;
        if (!open && !details.dataset.loaded) {
          details.dataset.loaded = '1';
          details.append(messagesOf(await api(`/v1/appointments/${a.id}`), clinic));
        }
      },
    },
    h('span', { class: 'time' }, timeOfDay(a.startsAt, clinic.timezone)),
    h('span', { class: 'who' }, a.patient.name || a.patient.phone),
    h('span', { class: 'what' }, [a.practitioner, a.type].filter(Boolean).join(' · ')),
    h('span', { class: `status status-${a.status}` }, STATUS_LABELS[a.status] ?? a.status),
  );
  details.append(
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        {},
        h('h4', {}, 'Reminders'),
        h(
          'ul',
          {},
          a.reminders.map((r) =>
            h('li', {}, `${r.offset}: ${r.status}, due ${dateTime(r.dueAt, clinic.timezone)}`),
          ),
        ),
      ),
      h(
        'div',
        {},
        h('h4', {}, 'History'),
        h(
          'ul',
          {},
          a.history.map((e) =>
            h('li', {}, `${dateTime(e.at, clinic.timezone)}: ${e.event} (${e.source}) → ${e.to}`),
          ),
        ),
      ),
    ),
  );
  return h('li', {}, toggle, details);
}

function messagesOf(view, clinic) {
  const messages = view.messages ?? [];
  return h(
    'div',
    {},
    h('h4', {}, 'Texts'),
    messages.length === 0
      ? h('p', { class: 'hint' }, 'No texts yet.')
      : h(
          'ul',
          { class: 'messages' },
          messages.map((m) =>
            h(
              'li',
              { class: `message ${m.direction}` },
              h('span', { class: 'meta' }, `${dateTime(m.at, clinic.timezone)} · ${m.status}`),
              h('span', { class: 'body' }, m.body),
            ),
          ),
        ),
  );
}
