import { api } from './api.js';
import { clear, h } from './dom.js';

// Admins: the clinic's people, who is signed in, new people and new links, deactivation.
export async function showStaff() {
  const form = document.getElementById('staff-form');
  form.onsubmit = async (event) => {
    event.preventDefault();
    const status = document.getElementById('staff-status');
    status.textContent = '';
    try {
      const person = await api('/v1/staff', {
        method: 'POST',
        body: {
          name: form.name.value.trim(),
          email: form.email.value.trim(),
          role: form.role.value,
        },
      });
      form.reset();
      showLink(person.name, person.signInUrl);
      await showStaff();
    } catch (e) {
      status.textContent = `Not added: ${e.message}`;
    }
  };
  const page = await api('/v1/staff');
  const root = clear(document.getElementById('staff-list'));
  if (page.items.length === 0) {
    root.append(h('p', { class: 'hint' }, 'No one yet.'));
    return;
  }
  root.append(
    h(
      'div',
      {
        class: 'table-wrap',
        tabindex: '0',
        role: 'region',
        'aria-label': 'Staff, scrolls sideways',
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
            ['Name', 'Email', 'Role', 'Status', 'Signed in', ''].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h('tbody', {}, page.items.map(row)),
      ),
    ),
  );
}

function showLink(name, url) {
  const out = clear(document.getElementById('staff-link'));
  out.append(
    h('p', {}, `One-time sign-in link for ${name} (15 minutes; send it to them only):`),
    h('p', {}, h('code', {}, url)),
  );
}

function row(p) {
  const status = document.getElementById('staff-status');
  const act = (label, fn) =>
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'aria-label': `${label}: ${p.name}`,
        onclick: async () => {
          status.textContent = '';
          try {
            await fn();
            await showStaff();
          } catch (e) {
            status.textContent = `${label} failed: ${e.message}`;
          }
        },
      },
      label,
    );
  return h(
    'tr',
    {},
    h('td', {}, p.name),
    h('td', {}, p.email),
    h('td', {}, p.role),
    h('td', {}, p.active ? 'active' : 'deactivated'),
    h('td', {}, p.sessions > 0 ? 'yes' : 'no'),
    h(
      'td',
      {},
      p.active
        ? [
            act('New sign-in link', async () => {
              const link = await api(`/v1/staff/${encodeURIComponent(p.id)}/sign-in-links`, {
                method: 'POST',
              });
              showLink(p.name, link.url);
            }),
            ' ',
            act('Deactivate', () =>
              api(`/v1/staff/${encodeURIComponent(p.id)}`, { method: 'DELETE' }),
            ),
          ]
        : act('Reactivate', () =>
            api(`/v1/staff/${encodeURIComponent(p.id)}`, {
              method: 'PATCH',
              body: { active: true },
            }),
          ),
    ),
  );
}
