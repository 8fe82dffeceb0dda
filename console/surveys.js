import { api } from './api.js';
import { rateLine } from './chart.js';
import { clear, h } from './dom.js';
import { addDays, dateTime, localDate } from './time.js';

const rate = (r) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
const score = (v) => (v === null ? '—' : v.toFixed(2));

export function initSurveys(clinic) {
  const form = document.getElementById('surveys-form');
  if (!form.from.value) {
    const today = localDate(new Date(), clinic.timezone);
    form.from.value = addDays(today, -84);
    form.to.value = addDays(today, 1);
  }
  form.onsubmit = (event) => {
    event.preventDefault();
    void showSurveys(clinic);
  };
  return showSurveys(clinic);
}

let latest = 0;

async function showSurveys(clinic) {
  const mine = ++latest;
  const form = document.getElementById('surveys-form');
  const range = new URLSearchParams({ from: form.from.value, to: form.to.value });
  const error = document.getElementById('surveys-error');
  error.textContent = '';
  let weeks;
  let answers;
  try {
    [weeks, answers] = await Promise.all([
      api(`/v1/reports/surveys?${range}&groupBy=week`),
      api(`/v1/surveys?${range}&maxScore=${form.maxScore.value}`),
    ]);
  } catch (e) {
    if (mine === latest) error.textContent = e.message;
    return;
  }
  if (mine !== latest) return;
  const t = weeks.totals;
  document.getElementById('surveys-csv').href =
    `/v1/reports/surveys?${range}&groupBy=practitioner&format=csv`;
  clear(document.getElementById('surveys-totals')).append(
    card('Sent', t.sent),
    card('Answered', t.answered),
    card('Response rate', rate(t.responseRate)),
    card('Average score', score(t.average)),
  );
  const chart = clear(document.getElementById('surveys-chart'));
  chart.append(
    rateLine(
      weeks.groups.map((g) => ({ label: g.key, rate: g.average })),
      'Average score by week',
      Math.max(300, chart.clientWidth - 16),
      { max: 5, label: (v) => v.toFixed(1) },
    ),
  );
  const list = clear(document.getElementById('surveys-comments'));
  if (answers.items.length === 0) {
    list.append(h('p', { class: 'hint' }, 'No answers in this range.'));
    return;
  }
  list.append(
    h(
      'ul',
      { class: 'survey-answers' },
      answers.items.map((a) =>
        h(
          'li',
          { class: a.score <= 2 ? 'low' : undefined },
          h('span', { class: 'score', 'aria-label': `score ${a.score} of 5` }, `${a.score}/5`),
          h(
            'span',
            { class: 'who' },
            [a.patientName ?? a.patientPhone, a.practitioner, dateTime(a.visitAt, clinic.timezone)]
              .filter(Boolean)
              .join(' · '),
          ),
          h('q', { class: 'comment' }, a.comment ?? 'no comment'),
        ),
      ),
    ),
  );
}

function card(label, value) {
  return h(
    'div',
    { class: 'card' },
    h('span', { class: 'card-label' }, label),
    h('span', { class: 'card-value' }, value),
  );
}
