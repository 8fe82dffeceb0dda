import { api } from './api.js';
import { clear, h } from './dom.js';
import { dateTime } from './time.js';

const REASONS = {
  unrecognized_reply: 'Reply not understood',
  cancel_keyword: 'Texted CANCEL (opted out)',
  no_slots: 'Wants to reschedule, no open slot',
};
const KINDS = {
  reminder: 'Reminder',
  workflow_reply: 'Automatic answer',
  keyword_reply: 'Keyword answer',
  staff: 'Staff',
  inbound: 'Patient',
};
const reasonLabel = (r) => (r ? (REASONS[r] ?? r.replaceAll('_', ' ')) : 'Resolved');
const path = (phone, rest = '') => `/v1/conversations/${encodeURIComponent(phone)}${rest}`;

// The thread open in the page, so a reload of the list keeps it.
let openPhone = null;

export async function showInbox(clinic) {
  const list = clear(document.getElementById('inbox-list'));
  const page = await api('/v1/conversations?needsAttention=true');
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
            h('span', { class: 'what' }, c.lastMessage ? c.lastMessage.body : ''),
            h('span', { class: 'status status-attention' }, reasonLabel(c.reason)),
          ),
        ),
      ),
    ),
  );
  if (!page.items.some((c) => c.patientPhone === openPhone)) openPhone = null;
  if (openPhone) await openThread(clinic, openPhone);
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
        ),
      ),
    ),
    form,
  );
}
