import { Injectable } from '@nestjs/common';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { InvalidInputError } from '../common/errors/domain-errors';
import { normalizePhone } from '../common/phone/phone';
import { toCsv } from '../common/text/csv';
import { AuditFilter, AuditRepository, AuditRow } from './audit.repository';
import { AuditEntryView, AuditPage, AuditQuery } from './dto/audit.dto';

const CSV_HEADER = [
  'at',
  'actorType',
  'actorId',
  'actorName',
  'action',
  'patientPhone',
  'appointmentId',
  'targetId',
  'clientAddress',
];

@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  async list(clinic: ClinicEntity, q: AuditQuery): Promise<AuditPage> {
    const rows = await this.audit.list(clinic.id, filter(clinic, q), q.limit ?? 1000);
    return { items: rows.map(view) };
  }

  async csv(clinic: ClinicEntity, q: AuditQuery): Promise<string> {
    const rows = await this.audit.list(clinic.id, filter(clinic, q), q.limit ?? 10000);
    return toCsv(
      CSV_HEADER,
      rows.map((r) => [
        r.at.toISOString(),
        r.actor_type,
        r.actor_id,
        r.actor_name,
        r.action,
        r.patient_phone,
        r.appointment_id,
        r.target_id,
        r.client_address,
      ]),
    );
  }
}

function filter(clinic: ClinicEntity, q: AuditQuery): AuditFilter {
  const from = q.from ? new Date(q.from) : undefined;
  const to = q.to ? new Date(q.to) : undefined;
  if (from && to && from >= to) throw new InvalidInputError(['from must be before to']);
  const patientPhone =
    q.patientPhone === undefined
      ? undefined
      : normalizePhone(q.patientPhone, clinic.defaultCountry);
  if (patientPhone === null) {
    throw new InvalidInputError(['patientPhone must be a valid phone number']);
  }
  return { from, to, actor: q.actor?.toLowerCase(), patientPhone };
}

function view(r: AuditRow): AuditEntryView {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
    action: r.action,
    patientPhone: r.patient_phone,
    appointmentId: r.appointment_id,
    targetId: r.target_id,
    clientAddress: r.client_address,
  };
}
