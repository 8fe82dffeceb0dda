import { api, SignedOut } from './api.js';
import { showAppointments } from './appointments.js';
import { initReport } from './report.js';
import { showInbox } from './inbox.js';
import { showCalendar } from './calendar.js';
import { initSurveys } from './surveys.js';
import { showBroadcasts } from './broadcasts.js';
import { showExperiments } from './experiments.js';
import { showCallList } from './call-list.js';

const SECTIONS = [
  'appointments',
  'call-list',
  'report',
  'inbox',
  'calendar',
  'experiments',
  'surveys',
  'broadcasts',
];
let clinic = null;

function show(id) {
  for (const section of document.querySelectorAll('main > section'))
    section.hidden = section.id !== id;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === `#${id}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function signedOut() {
  clinic = null;
  if (location.hash === '#link-expired') {
    document.getElementById('sign-in-error').textContent =
      'That sign-in link was already used or has expired. Paste the clinic API key instead.';
  }
  document.getElementById('nav').hidden = true;
  document.getElementById('clinic-name').textContent = '';
  show('sign-in');
  document.getElementById('api-key').focus();
}

async function route() {
  try {
    if (!clinic) clinic = await api('/v1/clinic');
    document.getElementById('nav').hidden = false;
    document.getElementById('clinic-name').textContent = clinic.name;
    for (const el of document.querySelectorAll('.zone')) el.textContent = clinic.timezone;
    const id = SECTIONS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'appointments';
    show(id);
    if (id === 'appointments') await showAppointments(clinic);
    if (id === 'call-list') await showCallList(clinic);
    if (id === 'report') await initReport(clinic);
    if (id === 'inbox') await showInbox(clinic);
    if (id === 'calendar') await showCalendar(clinic);
    if (id === 'experiments') await showExperiments(clinic);
    if (id === 'surveys') await initSurveys(clinic);
    if (id === 'broadcasts') showBroadcasts(clinic);
  } catch (e) {
    if (e instanceof SignedOut) signedOut();
    else throw e;
  }
}

document.getElementById('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('api-key');
  const error = document.getElementById('sign-in-error');
  error.textContent = '';
  const res = await fetch('/v1/console/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ apiKey: input.value.trim() }),
  });
  // The key leaves the page as soon as it has been traded for the session cookie.
  input.value = '';
  if (res.status !== 204) {
    error.textContent = 'That key was not accepted. Check it and try again.';
    return;
  }
  await route();
});

document.getElementById('sign-out').addEventListener('click', async () => {
  await fetch('/v1/console/session', { method: 'DELETE', credentials: 'same-origin' });
  signedOut();
});

window.addEventListener('hashchange', () => void route());
void route();
