import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { VISIT_ATTENDED_WORK } from '../common/due-work/due-kinds';
import { DueWork, SAFETY_POLL_MS } from '../common/due-work/due-work';
import { applyQuietHours } from '../common/time/quiet-hours';
import { languageOf } from '../messaging/templates';
import { OutboundMessages } from '../outbound/outbound-messages';
import { surveyQuestion } from './survey-templates';
import { SurveysRepository } from './surveys.repository';

const BATCH_SIZE = 200;
/** No appointment bounds a survey: a quiet window always moves it to the window's end. */
const NO_APPOINTMENT = new Date(8.64e15);

/**
 * Due work for the due-work engine: `afterMinutes` after an attended visit ends, its one survey
 * question, written with its survey row in one transaction (a visit is surveyed once, by any
 * number of instances: rows are locked SKIP LOCKED and the survey is unique per visit). The
 * text goes through the outbound pipeline as kind `survey`, moved out of quiet hours here.
 */
@Injectable()
export class SurveySender {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly surveys: SurveysRepository,
    private readonly outbound: OutboundMessages,
    private readonly clock: Clock,
  ) {}

  // A visit marked attended is signalled (VISIT_ATTENDED_WORK); the pass then reads when its
  // survey falls due. A changed survey setting is seen at the safety poll.
  @DueWork({
    name: 'visit-survey',
    kinds: [VISIT_ATTENDED_WORK],
    poll: 'dispatchIntervalMs',
    safetyPollMs: SAFETY_POLL_MS,
    minGapMs: 1_000,
  })
  async pass(): Promise<Date | null> {
    while ((await this.runOnce()) === BATCH_SIZE);
    return this.surveys.nextDue(this.clock.now());
  }

  /** Asks one batch of due surveys; returns how many visits it took. */
  async runOnce(limit = BATCH_SIZE): Promise<number> {
    const now = this.clock.now();
    return this.ds.transaction(async (m) => {
      const due = await this.surveys.lockDue(m, now, limit);
      if (due.length === 0) return 0;
      const ids = await this.outbound.enqueueMany(
        m,
        due.map((d) => ({
          kind: 'survey' as const,
          clinicId: d.clinic_id,
          to: d.phone,
          body: surveyQuestion(languageOf(d.language), d.clinic_name, d.practitioner),
          patientId: d.patient_id,
          appointmentId: d.appointment_id,
          dueAt: applyQuietHours(
            now,
            NO_APPOINTMENT,
            d.zone,
            d.quiet_hours_start && d.quiet_hours_end
              ? { start: d.quiet_hours_start, end: d.quiet_hours_end }
              : null,
          ),
        })),
      );
      await this.surveys.insert(
        m,
        due.map((d, i) => ({
          clinicId: d.clinic_id,
          appointmentId: d.appointment_id,
          patientId: d.patient_id,
          messageId: ids[i],
        })),
        now,
      );
      return due.length;
    });
  }
}
