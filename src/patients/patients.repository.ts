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

  /**
   * Records an opt-out and its event in the consent ledger, in one statement. Only a change is
   * recorded: a patient already opted out keeps the first opt-out's time and source, and no
   * event is written. Returns the event's id, or null when nothing changed.
   */
  async optOut(m: EntityManager, change: ConsentChange): Promise<string | null> {
    return this.change(
      m,
      change,
      'opt_out',
      `UPDATE patients SET opted_out_at = $3, opt_out_source = $4, opt_out_detail = $5,
              updated_at = now()
       WHERE clinic_id = $1 AND phone = $2 AND opted_out_at IS NULL
       RETURNING id, clinic_id`,
    );
  }

  /** Records an opt-in after an opt-out, with its event; null when the patient was not out. */
  async optIn(m: EntityManager, change: ConsentChange): Promise<string | null> {
    return this.change(
      m,
      change,
      'opt_in',
      `UPDATE patients SET opted_out_at = NULL, opt_out_source = NULL, opt_out_detail = NULL,
              opted_in_at = $3, updated_at = now()
       WHERE clinic_id = $1 AND phone = $2 AND opted_out_at IS NOT NULL
       RETURNING id, clinic_id`,
    );
  }

  /**
   * Keeps an upload's documented opt-ins as opt-in events (source `clinic`, the method in
   * `word`), once per patient and time. A patient opted out now gets none: a later STOP wins,
   * and an upload never opts back in a patient who opted out by text. A time in the future is
   * taken as now, so the event never outranks a STOP sent after the upload.
   */
  async recordClinicOptIns(
    m: EntityManager,
    clinicId: string,
    optIns: ClinicOptIn[],
    now: Date,
  ): Promise<void> {
    if (optIns.length === 0) return;
    await m.query(
      `INSERT INTO consent_events (clinic_id, patient_id, sender_number, action, source, word,
                                   note, at)
       SELECT DISTINCT ON (p.id, least(v.at, $6)) p.clinic_id, p.id, cl.sender_number,
              'opt_in', 'clinic', v.method, left(v.note, 500), least(v.at, $6)
       FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::text[])
              AS v(patient_id, method, at, note)
       JOIN patients p ON p.id = v.patient_id AND p.clinic_id = $1
       JOIN clinics cl ON cl.id = p.clinic_id
       WHERE p.opted_out_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM consent_events ce
                         WHERE ce.patient_id = p.id AND ce.source = 'clinic'
                           AND ce.at = least(v.at, $6))`,
      [
        clinicId,
        optIns.map((o) => o.patientId),
        optIns.map((o) => o.method),
        optIns.map((o) => o.at),
        optIns.map((o) => o.note),
        now,
      ],
    );
  }

  async exists(m: EntityManager, clinicId: string, phone: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM patients WHERE clinic_id = $1 AND phone = $2`,
      [clinicId, phone],
    );
    return rows.length > 0;
  }

  /** The consent events of one number at one clinic, newest first. */
  async consentEvents(m: EntityManager, clinicId: string, phone: string): Promise<ConsentEvent[]> {
    const rows: ConsentEventRow[] = await m.query(
      `SELECT ce.id, ce.action, ce.source, ce.word, ce.note, ce.sender_number,
              ce.inbound_message_id, ce.at
       FROM consent_events ce JOIN patients p ON p.id = ce.patient_id
       WHERE p.clinic_id = $1 AND p.phone = $2
       ORDER BY ce.at DESC, ce.id DESC`,
      [clinicId, phone],
    );
    return rows.map(toEvent);
  }

  /** A patient's latest consent event, or null when there was none. */
  async latestConsent(m: EntityManager, patientId: string): Promise<ConsentEvent | null> {
    const rows: ConsentEventRow[] = await m.query(
      `SELECT id, action, source, word, note, sender_number, inbound_message_id, at
       FROM consent_events WHERE patient_id = $1 ORDER BY at DESC, id DESC LIMIT 1`,
      [patientId],
    );
    return rows[0] ? toEvent(rows[0]) : null;
  }

  private async change(
    m: EntityManager,
    c: ConsentChange,
    action: ConsentEvent['action'],
    updateSql: string,
  ): Promise<string | null> {
    const rows: { id: string }[] = returningRows(
      await m.query(
        `WITH changed AS (${updateSql})
         INSERT INTO consent_events (clinic_id, patient_id, sender_number, action, source, word,
                                     note, inbound_message_id, at)
         SELECT ch.clinic_id, ch.id, coalesce($6, cl.sender_number), $7, $4, $5, $8, $9, $3
         FROM changed ch JOIN clinics cl ON cl.id = ch.clinic_id
         RETURNING id`,
        [
          c.clinicId,
          c.phone,
          c.at,
          c.source,
          c.word?.slice(0, 500) ?? null,
          c.senderNumber ?? null,
          action,
          c.note?.slice(0, 500) ?? null,
          c.inboundMessageId ?? null,
        ],
      ),
    );
    return rows[0] ? String(rows[0].id) : null;
  }

  /** What answering this number needs, read in the caller's transaction. */
  async forReply(m: EntityManager, clinicId: string, phone: string): Promise<ReplyPatient | null> {
    const rows: ReplyPatient[] = await m.query(
      `SELECT id, phone, language, timezone, opted_out_at IS NOT NULL AS opted_out
       FROM patients WHERE clinic_id = $1 AND phone = $2`,
      [clinicId, phone],
    );
    return rows[0] ?? null;
  }
}

export interface ReplyPatient {
  id: string;
  /** +E.164 */
  phone: string;
  language: 'en' | 'es';
  timezone: string | null;
  opted_out: boolean;
}

export type ConsentSource = 'keyword' | 'phrase' | 'provider' | 'staff' | 'clinic';

export interface ClinicOptIn {
  patientId: string;
  /** written, verbal, intake_form or portal */
  method: string;
  at: Date;
  note: string | null;
}

export interface ConsentChange {
  clinicId: string;
  /** +E.164 */
  phone: string;
  source: ConsentSource;
  /** the keyword or phrase, or the provider's error code */
  word?: string | null;
  note?: string | null;
  /** the clinic's number the patient wrote to; the clinic's sender when omitted */
  senderNumber?: string | null;
  inboundMessageId?: string | null;
  at: Date;
}

export interface ConsentEvent {
  id: string;
  action: 'opt_out' | 'opt_in';
  source: ConsentSource;
  word: string | null;
  note: string | null;
  senderNumber: string;
  inboundMessageId: string | null;
  at: Date;
}

interface ConsentEventRow {
  id: string;
  action: ConsentEvent['action'];
  source: ConsentSource;
  word: string | null;
  note: string | null;
  sender_number: string;
  inbound_message_id: string | null;
  at: Date;
}

function toEvent(r: ConsentEventRow): ConsentEvent {
  return {
    id: String(r.id),
    action: r.action,
    source: r.source,
    word: r.word,
    note: r.note,
    senderNumber: r.sender_number,
    inboundMessageId: r.inbound_message_id,
    at: r.at,
  };
}
