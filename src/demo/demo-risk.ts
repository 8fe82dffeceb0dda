import { addDays, booked, PRACTITIONERS, type AppointmentInput } from './demo-week';

/** Weeks of history before the demo's week: enough finished visits for a risk model. */
const HISTORY_WEEKS = 9;
export const HISTORY_PATIENTS = 24;

/**
 * Nine earlier visits of each patient booked over the next six days (the demo week's `future`
 * patients, n odd), from two weeks back, so the report's fortnight is untouched. A quarter of
 * them miss most visits; the others miss about one in eleven. Each visit has its own
 * practitioner's hour, so the API's overlap rule never refuses one.
 */
export function riskHistory(
  today: string,
  run: string,
): { visit: AppointmentInput; noShow: boolean }[] {
  const history: { visit: AppointmentInput; noShow: boolean }[] = [];
  for (let i = 0; i < HISTORY_PATIENTS; i++) {
    const unreliable = i % 4 === 1;
    for (let k = 0; k < HISTORY_WEEKS; k++) {
      const day = addDays(today, -(14 + 7 * k + (i % 5)));
      const base = booked(`${run}-H${k}-${i}`, 2 * i + 1, day, 0);
      history.push({
        visit: {
          ...base,
          startsAt: `${day}T${String(8 + Math.floor(i / 3)).padStart(2, '0')}:00:00`,
          practitioner: PRACTITIONERS[i % PRACTITIONERS.length],
        },
        noShow: unreliable ? k % 3 !== 2 : (i + k) % 11 === 0,
      });
    }
  }
  return history;
}
