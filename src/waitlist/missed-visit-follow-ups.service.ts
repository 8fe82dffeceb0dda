import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MISSED_VISIT_WORK } from '../appointments/appointments.repository';
import { Clock } from '../common/clock/clock';
import { DueWork, SAFETY_POLL_MS } from '../common/due-work/due-work';
import { applyQuietHours } from '../common/time/quiet-hours';
import { renderMissedVisitFollowUp } from '../messaging/missed-visit-templates';
import { languageOf } from '../messaging/templates';
import { OutboundMessages } from '../outbound/outbound-messages';
import {
  DueMissedVisit,
  MissedVisitSkip,
  MissedVisitsRepository,
} from './missed-visits.repository';

const BATCH_SIZE = 200;
/** A follow-up this late (the service was down) comes too long after the visit: not sent. */
export const FOLLOW_UP_LATEST_MS = 12 * 3_600_000;
/** No appointment bounds it: a quiet window always moves it to the window's end. */
const NO_APPOINTMENT = new Date(8.64e15);

/**
 * Due work for the due-work engine: `afterMinutes` after a visit was marked no-show, its one
 * follow-up text ("...we missed you at your visit on Thu Nov 26. Reply R to pick a new time."), written through the
 * outbound pipeline as kind `missed_visit`, moved out of quiet hours here. A missed visit has
 * one row (written when it was marked), locked SKIP LOCKED and marked when its text is
 * written: one text, by any number of instances and passes. Not sent when the visit is no
 * longer a no-show (staff corrected it), the patient opted out, or the clinic turned it off.
 */
@Injectable()
export class MissedVisitFollowUps {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly missed: MissedVisitsRepository,
    private readonly outbound: OutboundMessages,
    private readonly clock: Clock,
  ) {}

  @DueWork({
    name: 'missed-visit-follow-up',
    kinds: [MISSED_VISIT_WORK],
    poll: 'dispatchIntervalMs',
    safetyPollMs: SAFETY_POLL_MS,
    minGapMs: 1_000,
  })
  async pass(): Promise<Date | null> {
    while ((await this.runOnce()) === BATCH_SIZE);
    return this.missed.nextDue();
  }

  /** Writes one batch of due follow-ups; returns how many missed visits it took. */
  async runOnce(limit = BATCH_SIZE): Promise<number> {
    const now = this.clock.now();
    return this.ds.transaction(async (m) => {
      const due = await this.missed.lockDue(m, now, limit);
      const skipped: { appointmentId: string; reason: MissedVisitSkip }[] = [];
      const send: { visit: DueMissedVisit; at: Date }[] = [];
      for (const visit of due) {
        const reason = skipReason(visit, now);
        if (reason) skipped.push({ appointmentId: visit.appointment_id, reason });
        else send.push({ visit, at: allowedAt(visit, now) });
      }
      const ids = await this.outbound.enqueueMany(
        m,
        send.map(({ visit, at }) => ({
          kind: 'missed_visit' as const,
          clinicId: visit.clinic_id,
          to: visit.phone,
          body: renderMissedVisitFollowUp(languageOf(visit.language), visit.clinic_name, {
            startsAt: visit.starts_at,
            zone: visit.zone,
          }),
          patientId: visit.patient_id,
          appointmentId: visit.appointment_id,
          dueAt: at,
        })),
      );
      await this.missed.markSent(
        m,
        send.map(({ visit, at }, i) => ({
          appointmentId: visit.appointment_id,
          messageId: ids[i],
          sentAt: at,
        })),
      );
      await this.missed.markSkipped(m, skipped);
      return due.length;
    });
  }
}

function skipReason(v: DueMissedVisit, now: Date): MissedVisitSkip | null {
  if (!v.enabled) return 'disabled';
  if (!v.still_missed) return 'not_missed';
  if (v.opted_out) return 'opted_out';
  if (now.getTime() - v.due_at.getTime() > FOLLOW_UP_LATEST_MS) return 'late';
  return null;
}

/** Now, or when the patient's quiet hours end. */
function allowedAt(v: DueMissedVisit, now: Date): Date {
  const quiet =
    v.quiet_hours_start && v.quiet_hours_end
      ? { start: v.quiet_hours_start, end: v.quiet_hours_end }
      : null;
  return applyQuietHours(now, NO_APPOINTMENT, v.zone, quiet);
}
