import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isLive } from '../appointments/appointment.machine';
import { AppointmentsRepository } from '../appointments/appointments.repository';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { normalizePhone } from '../common/phone/phone';
import { PatientsRepository } from '../patients/patients.repository';
import type {
  CreateWaitlistEntryDto,
  ListWaitlistQuery,
  WaitlistEntryView,
  WaitlistList,
} from './dto/waitlist.dto';
import { toEntryView } from './waitlist-view.mapper';
import { WaitlistEntries } from './waitlist-entries.service';
import { WaitlistRepository } from './waitlist.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The waitlist routes: add (staff), list with its offers, remove. */
@Injectable()
export class WaitlistService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly repo: WaitlistRepository,
    private readonly entries: WaitlistEntries,
    private readonly patients: PatientsRepository,
    private readonly appointments: AppointmentsRepository,
  ) {}

  async create(clinic: ClinicEntity, dto: CreateWaitlistEntryDto): Promise<WaitlistEntryView> {
    const phone = normalizePhone(dto.patient.phone, clinic.defaultCountry);
    if (!phone) throw new InvalidInputError(['patient.phone must be a valid phone number']);
    if (dto.notBefore && dto.notAfter && dto.notAfter < dto.notBefore) {
      throw new InvalidInputError(['notAfter must not be before notBefore']);
    }
    const appointment = dto.appointmentExternalId
      ? (
          await this.appointments.list(clinic.id, {
            externalId: dto.appointmentExternalId,
            limit: 1,
          })
        )[0]
      : undefined;
    if (dto.appointmentExternalId) {
      if (!appointment || appointment.patient_phone !== phone) {
        throw new InvalidInputError([
          'appointmentExternalId must name an appointment of this patient at this clinic',
        ]);
      }
      if (!isLive(appointment.status)) {
        throw new InvalidInputError([`appointmentExternalId names a ${appointment.status} one`]);
      }
    }
    const now = this.clock.now();
    const id = await this.ds.transaction(async (m) => {
      const refs = await this.patients.upsertMany(m, clinic.id, [
        {
          phone,
          name: dto.patient.name ?? null,
          language: dto.patient.language ?? null,
          timezone: null,
        },
      ]);
      const patientId = refs.get(phone)!.id;
      const made = await this.entries.add(
        m,
        {
          clinicId: clinic.id,
          patientId,
          practitioner: dto.practitioner ?? appointment?.practitioner ?? null,
          location: dto.location ?? null,
          type: dto.type ?? appointment?.type ?? null,
          durationMinutes: dto.durationMinutes ?? appointment?.duration_minutes ?? null,
          notBefore: dto.notBefore ?? null,
          notAfter: dto.notAfter ?? null,
          appointmentId: appointment?.id ?? null,
          priority: dto.priority ?? 0,
          source: 'staff',
          at: now,
        },
        now,
      );
      if (made.created) return made.id;
      throw new ConflictError([
        `the patient is already waiting for this practitioner and type: entry ${made.id}`,
      ]);
    });
    return toEntryView((await this.repo.get(clinic.id, id))!);
  }

  async list(clinic: ClinicEntity, q: ListWaitlistQuery): Promise<WaitlistList> {
    const rows = await this.repo.list(clinic.id, q.status, 500);
    return { items: rows.map(toEntryView) };
  }

  async remove(clinic: ClinicEntity, id: string): Promise<WaitlistEntryView> {
    if (!UUID.test(id)) throw new NotFoundError('waitlist entry');
    const now = this.clock.now();
    // Refused inside the transaction, so a refusal commits nothing (nor its audit entry).
    await this.ds.transaction(async (m) => {
      const status = await this.repo.remove(m, clinic.id, id, now);
      if (status === null) throw new NotFoundError('waitlist entry');
      if (status !== 'waiting') throw new ConflictError([`waitlist entry is ${status}`]);
    });
    return toEntryView((await this.repo.get(clinic.id, id))!);
  }
}
