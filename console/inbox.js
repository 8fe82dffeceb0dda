import { api } from './api.js';
import { clear, h } from './dom.js';
import { dateTime } from './time.js';

const REASONS = {
  unrecognized_reply: 'Reply not understood',
  cancel_keyword: 'Texted CANCEL (opted out)',
  no_slots: 'Wants to reschedule, no open slot',
  low_rating: 'Low survey score (1 or 2)',
};
const KINDS = {
  reminder: 'Reminder',
  workflow_reply: 'Automatic answer',
  keyword_reply: 'Keyword answer',
  staff: 'Staff',
  survey: 'Survey',
  broadcast: 'Broadcast',
  inbound: 'Patient',
};
const reasonLabel = (r) => (r ? (REASONS[r] ?? r.replaceAll('_', ' ')) : 'Resolved');
const path = (phone, rest = '') => `/v1/conversations/${encodeURIComponent(phone)}${rest}`;

// How often the list asks for new conversations while staff look at it: a patient's text shows
// within seconds, without a reload.
const REFRESH_MS = 5000;

// The thread open in the page, so a reload of the list keeps it.
let openPhone = null;
// The clinic whose inbox is shown, for the refreshes; null until the inbox is first opened.
let shownClinic = null;
// What the list shows, so a refresh that finds nothing new leaves it (and the focus) alone.
let drawnItems = null;
// Each read of the list takes a number; only the latest one draws (a route and a refresh overlap).
let reads = 0;

export async function showInbox(clinic) {
  if (!shownClinic) watchInbox();
  shownClinic = clinic;
  drawnItems = null;
  await refreshList(clinic);
  if (openPhone) await openThread(clinic, openPhone);
}

// Refreshes the list while the inbox is on screen: on an interval, and when the tab comes back.
function watchInbox() {
  const refresh = () => {
    const section = document.getElementById('inbox');
    if (!shownClinic || section.hidden || document.visibilityState !== 'visible') return;
    refreshList(shownClinic).catch(() => {
      // Signed out or offline: the next navigation says so; the next refresh tries again.
    });
  };
  setInterval(refresh, REFRESH_MS);
  document.addEventListener('visibilitychange', refresh);
}

async function refreshList(clinic) {
  const read = ++reads;
  const page = await api('/v1/conversations?needsAttention=true');
  if (read !== reads) return;
  const items = JSON.stringify(page.items);
  if (items === drawnItems) return;
  drawnItems = items;
  const list = document.getElementById('inbox-list');
  // A keyboard user on a row stays on it when the list is redrawn under them.
  const focused = list.contains(document.activeElement)
    ? document.activeElement.dataset.phone
    : null;
  clear(list);
  if (page.items.length === 0) {
    list.append(h('p', { class: 'hint' }, 'Nothing needs attention.'));
    clear(document.getElementById('inbox-thread'));
    openPhone = null;
    return;
  }
  list.append(
    h(
      'ul',
      { class: 'conversations' },
      page.items.map((c) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'row conversation',
              'aria-pressed': String(c.patientPhone === openPhone),
              'data-phone': c.patientPhone,
              onclick: () => void openThread(clinic, c.patientPhone),
            },
            h('span', { class: 'who' }, c.patientName || c.patientPhone),
            h('span', { class: 'time' }, dateTime(c.lastMessageAt, clinic.timezone)),
            // The patient's own words: the newest message is often Turnout's automatic answer.
            h('span', { class: 'what' }, (c.lastInbound || c.lastMessage || { body: '' }).body),
            h('span', { class: 'status status-attention' }, reasonLabel(c.reason)),
          ),
        ),
      ),
    ),
  );
  if (!page.items.some((c) => c.patientPhone === openPhone)) openPhone = null;
  if (focused) list.querySelector(`button[data-phone="${CSS.escape(focused)}"]`)?.focus();
}

async function openThread(clinic, phone) {
  openPhone = phone;
  for (const b of document.querySelectorAll('#inbox-list button.conversation'))
    b.setAttribute('aria-pressed', String(b.dataset.phone === phone));
  const root = clear(document.getElementById('inbox-thread'));
  const view = await api(path(phone));
  drawThread(clinic, root, view);
  root.querySelector('h3')?.focus();
}

function drawThread(clinic, root, view) {
  clear(root);
  const error = h('p', { class: 'error', role: 'alert' });
  const box = h('textarea', {
    id: 'staff-reply',
    name: 'body',
    rows: 3,
    maxlength: 1600,
    required: true,
  });
  const form = h(
    'form',
    {
      class: 'reply',
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = '';
        try {
          const after = await api(path(view.patientPhone, '/messages'), {
            method: 'POST',
            body: { body: box.value },
          });
          box.value = '';
          drawThread(clinic, root, after);
          document.getElementById('inbox-status').textContent = 'Reply sent.';
        } catch (e) {
          error.textContent = `Not sent: ${e.message}`;
        }
      },
    },
    h('label', { for: 'staff-reply' }, `Reply to ${view.patientName || view.patientPhone}`),
    box,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Send reply')),
    error,
  );
  const resolve = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      disabled: !view.needsAttention,
      onclick: async () => {
        error.textContent = '';
        try {
          await api(path(view.patientPhone, '/resolve'), { method: 'POST' });
          document.getElementById('inbox-status').textContent =
            `Resolved: ${view.patientName || view.patientPhone}.`;
          openPhone = null;
          await showInbox(clinic);
        } catch (e) {
          error.textContent = `Not resolved: ${e.message}`;
        }
      },
    },
    'Resolve',
  );
  root.append(
    h(
      'div',
      { class: 'thread-head' },
      h('h3', { tabindex: '-1' }, `${view.patientName || 'Patient'} · ${view.patientPhone}`),
      resolve,
    ),
    h('p', { class: 'hint' }, view.needsAttention ? reasonLabel(view.reason) : 'Resolved'),
    h(
      'ul',
      { class: 'messages', 'aria-label': 'Messages, newest last' },
      view.messages.map((m) =>
        h(
          'li',
          { class: `message ${m.direction}` },
          h(
            'span',
            { class: 'meta' },
            `${dateTime(m.at, clinic.timezone)} · ${KINDS[m.kind] ?? m.kind} · ${m.status}`,
          ),
          h('span', { class: 'body' }, m.body),
          mediaLinks(m.media),
        ),
      ),
    ),
    form,
  );
}

/**
 * An MMS's attachments as plain links, opened by staff on demand: the console never fetches or
 * embeds what a patient sent (the provider hosts it; noopener keeps that page from this one).
 */
function mediaLinks(media) {
  if (!media || media.length === 0) return null;
  return h(
    'span',
    { class: 'media' },
    media.map((m, i) =>
      h(
        'a',
        {
          href: /^https?:\/\//i.test(m.url) ? m.url : undefined,
          target: '_blank',
          rel: 'noopener noreferrer',
        },
        `Attachment ${i + 1}${m.contentType ? ` (${m.contentType})` : ''}`,
      ),
    ),
  );
}
