import { AppointmentWorkflowService } from '../../src/appointments/appointment-workflow.service';
import { AppointmentsRepository } from '../../src/appointments/appointments.repository';
import { ClinicEntity } from '../../src/clinics/clinic.entity';
import type { TestApp } from './test-app';

export type PatientReply =
  | { kind: 'confirm' }
  | { kind: 'cancel' }
  /** R, then the number of an offered slot at `startsAt` */
  | { kind: 'slot'; startsAt: string };

/**
 * STAND-IN for a patient's text, kept for the report specs only: puts an appointment in the
 * state a patient's text leaves it in, through the same workflow service the reply handler
 * calls (status change + history row with source 'patient': REPLY_CONFIRM, REPLY_RESCHEDULE then
 * REPLY_SLOT, REPLY_CANCEL), so the report sees exactly what real replies produce. Those specs
 * apply replies after their fortnight has passed, to appointments a real text no longer reaches
 * (a reply applies to an upcoming appointment); driving each through a webhook at its own moment
 * would mean rewriting their clock walk. The console's browser spec sends real signed Twilio
 * webhooks instead. It does not book a slot row or send the workflow's answer text: the report
 * reads neither.
 */
export async function applyPatientReply(
  t: TestApp,
  clinicId: string,
  appointmentId: string,
  reply: PatientReply,
): Promise<void> {
  const workflow = t.app.get(AppointmentWorkflowService);
  const appointments = t.app.get(AppointmentsRepository);
  const clinic = await t.ds.getRepository(ClinicEntity).findOneByOrFail({ id: clinicId });
  const now = t.clock.now();
  await t.ds.transaction(async (m) => {
    const step = async (
      event: 'REPLY_CONFIRM' | 'REPLY_RESCHEDULE' | 'REPLY_SLOT' | 'REPLY_CANCEL',
      newTime?: Date,
    ) => {
      const row = await appointments.lockById(m, clinic.id, appointmentId);
      if (!row) throw new Error(`applyPatientReply: no appointment ${appointmentId}`);
      const times = newTime
        ? { startsAt: newTime, endsAt: new Date(newTime.getTime() + row.duration_minutes * 60_000) }
        : undefined;
      const result = await workflow.apply(m, clinic, row, event, 'patient', now, times);
      if (!result.accepted) throw new Error(`applyPatientReply: ${event} refused in ${row.status}`);
    };
    if (reply.kind === 'confirm') await step('REPLY_CONFIRM');
    else if (reply.kind === 'cancel') await step('REPLY_CANCEL');
    else {
      await step('REPLY_RESCHEDULE');
      await step('REPLY_SLOT', new Date(reply.startsAt));
    }
  });
}
