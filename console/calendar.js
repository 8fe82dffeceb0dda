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

const STORES = { webhook: 'Webhook', caldav: 'CalDAV calendar', fhir: 'FHIR R4 server' };

// Renders of the page may overlap (a route and a filter change): only the latest one draws.
let latest = 0;

/** The store's state: where the calendar is, last read and write, its error, unmapped events. */
async function showStore(clinic, mine) {
  const root = clear(document.getElementById('calendar-store'));
  const s = await api('/v1/calendar-store');
  if (mine !== latest) return;
  const tz = clinic.timezone;
  const when = (at) => (at ? dateTime(at, tz) : 'never');
  const facts = [
    `Store: ${STORES[s.type] ?? s.type}`,
    `last write ${when(s.lastWriteAt)}`,
    `${s.counts.pendingWrites} waiting, ${s.counts.failedWrites} failed`,
  ];
  if (s.type !== 'webhook') {
    facts.splice(1, 0, `last read ${when(s.lastReadAt)}`, `${s.counts.appointments} appointments`);
    if (s.counts.writeConflicts)
      facts.push(`${s.counts.writeConflicts} edited meanwhile, re-applied`);
    if (s.counts.calendarKept)
      facts.push(`${s.counts.calendarKept} moved meanwhile, calendar kept`);
    if (s.counts.unmapped) facts.push(`${s.counts.unmapped} not read`);
  }
  root.append(h('p', { class: 'store-facts' }, facts.join(' · ')));
  if (s.lastError) {
    root.append(
      h(
        'p',
        { class: 'error', role: 'alert' },
        `Last error (${dateTime(s.lastError.at, tz)}): ${s.lastError.message}`,
      ),
    );
  }
  if (s.conflicts?.length > 0) {
    root.append(
      h('h3', {}, `Moved in the calendar meanwhile: its time kept (${s.counts.calendarKept})`),
      h(
        'ul',
        { class: 'conflicts' },
        s.conflicts.map((k) =>
          h(
            'li',
            {},
            h('span', { class: 'what' }, k.externalId),
            ` — ${k.message} (${dateTime(k.at, tz)})`,
          ),
        ),
      ),
    );
  }
  if (s.unmapped.length > 0) {
    root.append(
      h('h3', {}, `Not read as appointments (${s.counts.unmapped})`),
      h(
        'ul',
        { class: 'unmapped' },
        s.unmapped.map((u) =>
          h('li', {}, h('span', { class: 'what' }, u.summary ?? u.ref), ` — ${u.reason}`),
        ),
      ),
    );
  }
}

export async function showCalendar(clinic) {
  const mine = ++latest;
  await showStore(clinic, mine);
  if (mine !== latest) return;
  const form = document.getElementById('calendar-form');
  form.onchange = () => void showCalendar(clinic);
  const status = form.status.value;
  const root = clear(document.getElementById('calendar-list'));
  const page = await api(`/v1/calendar-deliveries${status ? `?status=${status}` : ''}`);
  if (mine !== latest) return;
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
