import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { KeywordReplies } from '../clinics/clinic.entity';
import type { OfficeHours } from '../common/time/office-hours';

/** What answering a keyword needs to know about the clinic and the number that wrote. */
export interface KeywordFacts {
  clinicName: string;
  /** who answers STOP, START and HELP: the provider, or Turnout */
  keywordReplies: KeywordReplies;
  /** the number HELP tells the patient to call: the clinic's contact phone, else its sender */
  contactPhone: string;
  /** the patient's language ('en' for a number that is no patient) */
  language: string;
  timezone: string;
  officeHours: OfficeHours | null;
}

@Injectable()
export class KeywordFactsRepository {
  async factsFor(m: EntityManager, clinicId: string, phone: string): Promise<KeywordFacts | null> {
    const rows: {
      name: string;
      keyword_replies: KeywordReplies;
      contact_phone: string;
      language: string | null;
      timezone: string;
      office_hours: OfficeHours | null;
    }[] = await m.query(
      `SELECT c.name, c.keyword_replies, coalesce(c.contact_phone, c.sender_number) AS contact_phone,
              p.language, c.timezone, c.office_hours
       FROM clinics c LEFT JOIN patients p ON p.clinic_id = c.id AND p.phone = $2
       WHERE c.id = $1`,
      [clinicId, phone],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      clinicName: r.name,
      keywordReplies: r.keyword_replies,
      contactPhone: r.contact_phone,
      language: r.language ?? 'en',
      timezone: r.timezone,
      officeHours: r.office_hours,
    };
  }
}
