import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppointmentWorkflowService } from '../appointments/appointment-workflow.service';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ClinicsRepository } from '../clinics/clinics.repository';
import { Clock } from '../common/clock/clock';
import { DueWork, SAFETY_POLL_MS } from '../common/due-work/due-work';
import { OutboundMessages } from '../outbound/outbound-messages';
import { BroadcastsRepository } from './broadcasts.repository';
import { BROADCAST_WORK } from './broadcasts.service';

/** Patients per transaction: a large day is many short transactions, never one long one. */
const BATCH_SIZE = 100;

/**
 * Due work for the due-work engine: a broadcast's recipients in batches. For each patient, in
 * one transaction per batch: their appointments in scope cancelled through the machine (source
 * staff, written back) when asked, and their one text written (kind `broadcast`, ahead of
 * routine texts) unless they opted out. Rows are claimed SKIP LOCKED, so any number of
 * instances share a large broadcast, and a patient is handled once.
 */
@Injectable()
export class BroadcastSender {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly broadcasts: BroadcastsRepository,
    private readonly clinics: ClinicsRepository,
    private readonly workflow: AppointmentWorkflowService,
    private readonly outbound: OutboundMessages,
    private readonly clock: Clock,
  ) {}

  // Signalled by a new broadcast; a batch another instance holds is left to it (if that
  // instance dies, its batch is taken at the safety poll).
  @DueWork({
    name: 'broadcasts',
    kinds: [BROADCAST_WORK],
    poll: 'dispatchIntervalMs',
    safetyPollMs: SAFETY_POLL_MS,
  })
  async pass(): Promise<Date | null> {
    while ((await this.runOnce()) === BATCH_SIZE);
    return null;
  }

  /** Handles one batch of recipients; returns how many patients. */
  async runOnce(limit = BATCH_SIZE): Promise<number> {
    const now = this.clock.now();
    return this.ds.transaction(async (m) => {
      const claimed = await this.broadcasts.claim(m, limit);
      if (claimed.length === 0) return 0;
      const broadcasts = new Map(
        (await this.broadcasts.byIds(m, [...new Set(claimed.map((r) => r.broadcast_id))])).map(
          (b) => [b.id, b],
        ),
      );
      const clinics = new Map<string, ClinicEntity>();
      for (const [id, b] of broadcasts) {
        const recipients = claimed.filter((r) => r.broadcast_id === id);
        const scope = {
          clinicId: b.clinic_id,
          startsFrom: b.starts_from,
          startsBefore: b.starts_before,
          practitioner: b.practitioner,
          location: b.location,
        };
        const appointments = await this.broadcasts.lockAppointments(
          m,
          scope,
          recipients.map((r) => r.patient_id),
        );
        if (b.cancel_appointments) {
          let clinic = clinics.get(b.clinic_id);
          if (!clinic) {
            clinic = (await this.clinics.findById(b.clinic_id, m))!;
            clinics.set(clinic.id, clinic);
          }
          for (const row of appointments) {
            await this.workflow.apply(m, clinic, row, 'STAFF_CANCEL', 'staff', now);
          }
        }
        const texted = recipients.filter((r) => !r.opted_out);
        const ids = await this.outbound.enqueueMany(
          m,
          texted.map((r) => ({
            kind: 'broadcast' as const,
            clinicId: b.clinic_id,
            to: r.phone,
            body: b.body,
            patientId: r.patient_id,
            appointmentId: appointments.find((a) => a.patient_id === r.patient_id)?.id ?? null,
          })),
        );
        const messageOf = new Map(texted.map((r, i) => [r.patient_id, ids[i]]));
        await this.broadcasts.markDone(
          m,
          id,
          recipients.map((r) => ({
            patientId: r.patient_id,
            messageId: messageOf.get(r.patient_id) ?? null,
          })),
          now,
        );
      }
      return claimed.length;
    });
  }
}
