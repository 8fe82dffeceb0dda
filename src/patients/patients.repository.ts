import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { returningRows } from '../database/returning-rows';

export interface PatientUpsert {
  phone: string;
  name: string | null;
  language: 'en' | 'es' | null;
  timezone: string | null;
}

export interface PatientRef {
  id: string;
  phone: string;
  language: 'en' | 'es';
  timezone: string | null;
}

interface PatientRow {
  id: string;
  phone: string;
  name: string;
  language: 'en' | 'es';
  timezone: string | null;
}

@Injectable()
export class PatientsRepository {
  /**
   * Creates missing patients and updates changed ones, in three statements whatever the count
   * (a fourth only when a concurrent upload created some of the same patients meanwhile).
   * An omitted name, language or time zone keeps what the patient already has.
   */
  async upsertMany(
    manager: EntityManager,
    clinicId: string,
    patients: PatientUpsert[],
  ): Promise<Map<string, PatientRef>> {
    const byPhone = new Map(patients.map((p) => [p.phone, p]));
    // A fixed order: two concurrent batches sharing patients lock them in the same order.
    const phones = [...byPhone.keys()].sort();
    const found = await this.findByPhones(manager, clinicId, phones);

    const fresh = phones.filter((phone) => !found.has(phone)).map((phone) => byPhone.get(phone)!);
    if (fresh.length > 0) {
      const inserted: PatientRow[] = returningRows(
        await manager.query(
          `INSERT INTO patients (clinic_id, phone, name, language, timezone)
           SELECT $1, v.phone, coalesce(v.name, ''), coalesce(v.language, 'en'), v.timezone
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS v(phone, name, language, timezone)
           ON CONFLICT (clinic_id, phone) DO NOTHING
           RETURNING id, phone, name, language, timezone`,
          [
            clinicId,
            fresh.map((p) => p.phone),
            fresh.map((p) => p.name),
            fresh.map((p) => p.language),
            fresh.map((p) => p.timezone),
          ],
        ),
      );
      for (const row of inserted) found.set(row.phone, row);
      // A concurrent upload created the others between the SELECT and the INSERT.
      const raced = fresh.filter((p) => !found.has(p.phone)).map((p) => p.phone);
      if (raced.length > 0) {
        for (const [phone, row] of await this.findByPhones(manager, clinicId, raced)) {
          found.set(phone, row);
        }
      }
    }

    const changed: PatientRow[] = [];
    for (const phone of phones) {
      const row = found.get(phone);
      if (!row) continue;
      const want = byPhone.get(phone)!;
      const next: PatientRow = {
        ...row,
        name: want.name ?? row.name,
        language: want.language ?? row.language,
        timezone: want.timezone ?? row.timezone,
      };
      if (
        next.name !== row.name ||
        next.language !== row.language ||
        next.timezone !== row.timezone
      ) {
        changed.push(next);
        found.set(phone, next);
      }
    }
    if (changed.length > 0) {
      await manager.query(
        `UPDATE patients p SET name = v.name, language = v.language, timezone = v.timezone,
                updated_at = now()
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS v(id, name, language, timezone)
         WHERE p.id = v.id AND p.clinic_id = $1`,
        [
          clinicId,
          changed.map((p) => p.id),
          changed.map((p) => p.name),
          changed.map((p) => p.language),
          changed.map((p) => p.timezone),
        ],
      );
    }
    return new Map(
      [...found].map(([phone, r]) => [
        phone,
        { id: r.id, phone: r.phone, language: r.language, timezone: r.timezone },
      ]),
    );
  }

  private async findByPhones(
    manager: EntityManager,
    clinicId: string,
    phones: string[],
  ): Promise<Map<string, PatientRow>> {
    const rows: PatientRow[] = await manager.query(
      `SELECT id, phone, name, language, timezone FROM patients
       WHERE clinic_id = $1 AND phone = ANY($2::text[])`,
      [clinicId, phones],
    );
    return new Map(rows.map((r) => [r.phone, r]));
  }

  /** Records an opt-out (idempotent: the first one's time and source are kept). */
  async optOut(
    m: EntityManager,
    clinicId: string,
    phone: string,
    source: 'keyword' | 'plain_language' | 'provider' | 'staff',
    detail: string | null,
    at: Date,
  ): Promise<boolean> {
    const result: unknown = await m.query(
      `UPDATE patients SET opted_out_at = $4, opt_out_source = $3, opt_out_detail = $5,
              updated_at = now()
       WHERE clinic_id = $1 AND phone = $2 AND opted_out_at IS NULL
       RETURNING id`,
      [clinicId, phone, source, at, detail],
    );
    return returningRows(result).length > 0;
  }

  /** Records an opt-in after an opt-out; false when the patient was not opted out. */
  async optIn(m: EntityManager, clinicId: string, phone: string, at: Date): Promise<boolean> {
    const result: unknown = await m.query(
      `UPDATE patients SET opted_out_at = NULL, opt_out_source = NULL, opt_out_detail = NULL,
              opted_in_at = $3, updated_at = now()
       WHERE clinic_id = $1 AND phone = $2 AND opted_out_at IS NOT NULL
       RETURNING id`,
      [clinicId, phone, at],
    );
    return returningRows(result).length > 0;
  }
}
