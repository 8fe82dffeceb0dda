import { api } from './api.js';
import { clear, h } from './dom.js';
import { addDays, localDate } from './time.js';

// The request the count was made for, and the key that makes sending it twice send once.
let counted = null;
let polling = null;

function request(form, dryRun) {
  return {
    date: form.date.value,
    practitioner: form.practitioner.value.trim() || null,
    location: form.location.value.trim() || null,
    body: form.body.value,
    cancelAppointments: form.cancelAppointments.checked,
    dryRun,
  };
}

const same = (a, b) => JSON.stringify({ ...a, dryRun: 0 }) === JSON.stringify({ ...b, dryRun: 0 });

export function showBroadcasts(clinic) {
  const form = document.getElementById('broadcast-form');
  const send = document.getElementById('broadcast-send');
  const status = document.getElementById('broadcast-status');
  if (!form.date.value) form.date.value = localDate(new Date(), clinic.timezone);
  form.date.min = addDays(localDate(new Date(), clinic.timezone), -1);
  // Any change needs a new count before sending.
  form.oninput = () => {
    counted = null;
    send.disabled = true;
  };
  form.onsubmit = async (event) => {
    event.preventDefault();
    status.textContent = '';
    try {
      const dry = request(form, true);
      const res = await api('/v1/broadcasts', { method: 'POST', body: dry });
      counted = { request: dry, key: crypto.randomUUID() };
      status.textContent =
        `${res.recipients} patient${res.recipients === 1 ? '' : 's'} would get this text ` +
        `(${res.segments} segment${res.segments === 1 ? '' : 's'}); ${res.optedOut} opted out ` +
        `(not texted); ${res.appointments} appointment${res.appointments === 1 ? '' : 's'}` +
        (dry.cancelAppointments ? ' would be cancelled.' : '.');
      send.disabled = res.recipients === 0 && !(dry.cancelAppointments && res.appointments > 0);
    } catch (e) {
      status.textContent = e.message;
    }
  };
  send.onclick = async () => {
    const now = request(form, false);
    if (!counted || !same(counted.request, now)) return;
    send.disabled = true;
    try {
      const res = await api('/v1/broadcasts', {
        method: 'POST',
        body: now,
        headers: { 'Idempotency-Key': counted.key },
      });
      counted = null;
      void follow(res.id);
    } catch (e) {
      status.textContent = e.message;
      send.disabled = false;
    }
  };
}

async function follow(id) {
  clearTimeout(polling);
  const root = clear(document.getElementById('broadcast-progress'));
  const b = await api(`/v1/broadcasts/${id}`);
  const m = b.messages;
  const handed = m.queued + m.sent + m.delivered;
  root.append(
    h(
      'p',
      { role: 'status' },
      b.done
        ? `Sent to ${b.recipients}: ${handed} accepted, ${m.delivered} delivered, ` +
            `${m.failed + m.undelivered} failed, ${m.pending} waiting; ${b.optedOut} opted out.`
        : `Writing texts: ${b.processed} of ${b.recipients + b.optedOut} patients…`,
    ),
    h('progress', {
      max: Math.max(1, b.recipients),
      value: handed,
      'aria-label': 'Texts accepted by the provider',
    }),
  );
  if (!b.done || m.pending > 0) polling = setTimeout(() => void follow(id), 1000);
}
