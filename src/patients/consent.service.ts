import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { normalizePhone } from '../common/phone/phone';
import { toConsentEventView, toConsentView } from './consent.mapper';
import type { ConsentHistoryView } from './dto/consent.dto';
import { PatientsRepository } from './patients.repository';

/**
 * Consent as staff see it: the ledger of a number's opt-outs and opt-ins, and the opt-out a
 * patient said to staff (by phone, at the desk). There is no staff opt-in: only the patient can
 * opt back in, by texting START, so consent is never given on their behalf.
 */
@Injectable()
export class ConsentService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly patients: PatientsRepository,
    private readonly clock: Clock,
  ) {}

  /** Records it (no text is sent); a number already opted out keeps its first opt-out. */
  async staffOptOut(
    clinic: ClinicEntity,
    rawPhone: string,
    note: string | undefined,
  ): Promise<ConsentHistoryView> {
    const phone = this.phoneOf(clinic, rawPhone);
    await this.ds.transaction(async (m) => {
      // A number no appointment names yet is remembered, so none uploaded later is texted.
      await this.patients.upsertMany(m, clinic.id, [
        { phone, name: null, language: null, timezone: null },
      ]);
      await this.patients.optOut(m, {
        clinicId: clinic.id,
        phone,
        source: 'staff',
        note: note ?? null,
        at: this.clock.now(),
      });
    });
    return this.history(clinic, phone);
  }

  async consentOf(clinic: ClinicEntity, rawPhone: string): Promise<ConsentHistoryView> {
    const phone = this.phoneOf(clinic, rawPhone);
    const view = await this.history(clinic, phone);
    if (
      view.events.length === 0 &&
      !(await this.patients.exists(this.ds.manager, clinic.id, phone))
    ) {
      throw new NotFoundError('patient');
    }
    return view;
  }

  private async history(clinic: ClinicEntity, phone: string): Promise<ConsentHistoryView> {
    const events = await this.patients.consentEvents(this.ds.manager, clinic.id, phone);
    return {
      phone,
      consent: toConsentView(events[0] ?? null),
      events: events.map(toConsentEventView),
    };
  }

  private phoneOf(clinic: ClinicEntity, raw: string): string {
    const phone = normalizePhone(raw, clinic.defaultCountry);
    if (!phone)
      throw new InvalidInputError([
        `phone must be a valid phone number, got "${raw.slice(0, 64)}"`,
      ]);
    return phone;
  }
}
