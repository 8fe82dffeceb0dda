import { api } from './api.js';
import { clear, h } from './dom.js';
import { dateTime, localDate, longDate, timeOfDay } from './time.js';

// The front desk's list: that day's unconfirmed appointments, highest no-show risk first.
// Read-only: the contract has no "called" mark; a tap on the number starts the call.
let latest = 0;
const BANDS = { high: 'High risk', medium: 'Medium risk', low: 'Low risk' };

export async function showCallList(clinic) {
  const form = document.getElementById('call-list-form');
  if (!form.date.value) form.date.value = localDate(new Date(), clinic.timezone);
  form.onsubmit = (event) => {
    event.preventDefault();
    void showCallList(clinic);
  };
  form.date.onchange = () => void showCallList(clinic);
  // Only the latest request draws: the page may be asked twice (a route change and a date
  // change), and an older answer must not clear or overwrite a newer one.
  const request = ++latest;
  const list = await api(`/v1/appointments/call-list?date=${encodeURIComponent(form.date.value)}`);
  if (request !== latest) return;
  const root = clear(document.getElementById('call-list-items'));
  const status = document.getElementById('call-list-status');
  status.textContent =
    `${longDate(list.date)}: ${list.items.length} to call` +
    (list.items.length === 1 ? '' : ', highest risk first');
  if (list.items.length === 0) {
    root.append(h('p', { class: 'hint' }, 'Nobody left to call: every appointment is confirmed.'));
    return;
  }
  root.append(
    h(
      'ol',
      { class: 'call-list' },
      list.items.map((a) => callCard(a, clinic)),
    ),
  );
}

function callCard(a, clinic) {
  const tz = clinic.timezone;
  const risk = a.risk
    ? h(
        'p',
        { class: `risk risk-${a.risk.band}` },
        h('strong', {}, `${BANDS[a.risk.band]} · ${Math.round(a.risk.score * 100)}%`),
        a.risk.reasons.length ? ` — ${a.risk.reasons.join('; ')}` : '',
      )
    : h('p', { class: 'risk' }, 'Not scored yet');
  return h(
    'li',
    { class: 'call' },
    h(
      'div',
      { class: 'call-head' },
      h('span', { class: 'time' }, timeOfDay(a.startsAt, tz)),
      h('span', { class: 'who' }, a.patient.name || a.patient.phone),
    ),
    h(
      'a',
      { class: 'button tel', href: `tel:${a.patient.phone}` },
      `Call ${a.patient.name || 'the patient'} at ${a.patient.phone}`,
    ),
    h('p', { class: 'what' }, [a.practitioner, a.type].filter(Boolean).join(' · ')),
    risk,
    h(
      'ul',
      { class: 'reminder-states' },
      a.reminders.map((r) =>
        h(
          'li',
          {},
          `Reminder ${r.offset}: ${r.status}` +
            (r.sentAt ? ` ${dateTime(r.sentAt, tz)}` : `, due ${dateTime(r.dueAt, tz)}`),
        ),
      ),
    ),
  );
}
