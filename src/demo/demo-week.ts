/**
 * The demo clinic's week, as plain data: the past six days (taken over from an older system, so
 * nobody was reminded), a live session starting within the minute whose patients answer by
 * text, and the next six days, whose reminders are still ahead.
 */
export const PRACTITIONERS = ['Dr. Kim', 'Dr. Lee', 'Dr. Patel'] as const;
const LIVE_PRACTITIONERS = [
  ...PRACTITIONERS,
  'Dr. Ortiz',
  'Dr. Brooks',
  'Dr. Chen',
  'Dr. Haddad',
  'Dr. Moreau',
  'Dr. Silva',
];
const LOCATIONS = ['Main St', 'Riverside'];
const TYPES = ['cleaning', 'check-up', 'filling'];
const WALL_TIMES = ['09:00', '10:30', '13:00', '15:30'];
const FIRST = ['Ana', 'Ben', 'Cara', 'Dev', 'Eli', 'Fay', 'Gus', 'Hal', 'Ida', 'Jon', 'Kim', 'Lea'];
const LAST = ['Diaz', 'Okafor', 'Singh', 'Patel', 'Novak', 'Lin', 'Reyes', 'Berg', 'Kowalski'];

/** What each live patient does: their text(s), and whether they turn up. */
export interface LivePatient {
  name: string;
  phone: string;
  practitioner: string;
  texts: string[];
  /** where the visit ends up: the front desk marks arrivals, the system the no-shows */
  outcome: 'arrived' | 'no_show' | 'cancelled' | 'rescheduled';
  /** what the story expects of this patient, in words */
  story: string;
}

export const LIVE: LivePatient[] = (
  [
    { name: 'Ana Diaz', texts: ['C'], outcome: 'arrived', story: 'confirms (C), comes' },
    {
      name: 'Ben Okafor',
      texts: ['YES'],
      outcome: 'no_show',
      story: 'confirms (YES), does not come',
    },
    { name: 'Cara Singh', texts: ['X'], outcome: 'cancelled', story: 'cancels (X)' },
    {
      name: 'Dev Patel',
      texts: ['R', '1'],
      outcome: 'rescheduled',
      story: 'reschedules (R, then 1)',
    },
    {
      name: 'Eli Novak',
      texts: ['STOP'],
      outcome: 'no_show',
      story: 'opts out (STOP), does not come',
    },
    {
      name: 'Fay Lin',
      texts: ['Can I bring my son along?'],
      outcome: 'arrived',
      story: 'asks something: waits in the inbox; comes',
    },
    { name: 'Gus Reyes', texts: ['HELP'], outcome: 'arrived', story: 'asks for HELP, comes' },
    { name: 'Hal Berg', texts: [], outcome: 'no_show', story: 'never answers, does not come' },
    {
      name: 'Ida Kowalski',
      texts: ['CANCEL'],
      outcome: 'arrived',
      story: 'texts CANCEL (an opt-out, flagged for staff), comes anyway',
    },
  ] as Omit<LivePatient, 'phone' | 'practitioner'>[]
).map((p, i) => ({
  ...p,
  phone: `+1312555${String(200 + i).padStart(4, '0')}`,
  // All at the same minute, so each with their own practitioner (the API refuses overlaps).
  practitioner: LIVE_PRACTITIONERS[i],
}));

export interface AppointmentInput {
  externalId: string;
  patient: { name: string; phone: string };
  startsAt: string;
  durationMinutes: number;
  practitioner: string;
  location: string;
  type: string;
}

export interface DemoWeek {
  past: AppointmentInput[];
  live: AppointmentInput[];
  future: AppointmentInput[];
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function booked(tag: string, n: number, day: string, slot: number): AppointmentInput {
  return {
    externalId: `${tag}-${day}-${slot}`,
    patient: {
      name: `${FIRST[n % FIRST.length]} ${LAST[(n * 7 + 3) % LAST.length]}`,
      phone: `+1312555${String(1000 + n).padStart(4, '0')}`,
    },
    // Wall time in the clinic's zone: the API reads a time without offset that way.
    startsAt: `${day}T${WALL_TIMES[slot]}:00`,
    durationMinutes: 30,
    practitioner: PRACTITIONERS[(n + slot) % PRACTITIONERS.length],
    location: LOCATIONS[n % LOCATIONS.length],
    type: TYPES[(n + day.length + slot) % TYPES.length],
  };
}

/**
 * `today` is the clinic's local date; `liveStartsAt` the instant the live session starts (its
 * visits last a minute: the shortest the API takes). `run` keeps external ids apart between
 * runs of the demo against the same data directory.
 */
export function demoWeek(today: string, liveStartsAt: Date, run: string): DemoWeek {
  const past: AppointmentInput[] = [];
  const future: AppointmentInput[] = [];
  let n = 0;
  for (let day = 1; day <= 6; day++) {
    for (let slot = 0; slot < WALL_TIMES.length; slot++) {
      past.push(booked(`${run}-P`, n++, addDays(today, -day), slot));
      future.push(booked(`${run}-F`, n++, addDays(today, day), slot));
    }
  }
  const live = LIVE.map((p, i) => ({
    externalId: `${run}-L-${i}`,
    patient: { name: p.name, phone: p.phone },
    startsAt: liveStartsAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    durationMinutes: 1,
    practitioner: p.practitioner,
    location: 'Main St',
    type: 'check-up',
  }));
  return { past, live, future };
}

/** How last week went: most came (and were seen), the rest never showed. */
export function pastFate(index: number): 'completed' | 'arrived' | 'no_show' {
  if (index % 5 === 2) return 'no_show';
  return index % 3 === 0 ? 'arrived' : 'completed';
}
