// Times shown in the clinic's zone, whatever the browser's.
const formats = new Map();
function format(zone, options) {
  const key = zone + JSON.stringify(options);
  if (!formats.has(key))
    formats.set(key, new Intl.DateTimeFormat('en-US', { timeZone: zone, ...options }));
  return formats.get(key);
}

export function localDate(instant, zone) {
  const parts = Object.fromEntries(
    format(zone, { year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

export function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function timeOfDay(iso, zone) {
  return format(zone, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
}

export function dateTime(iso, zone) {
  return format(zone, {
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(new Date(iso));
}

export function longDate(date) {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: 'UTC',
    weekday: 'long',
    month: 'long',
    day: 'numeric',
  }).format(new Date(`${date}T12:00:00Z`));
}
