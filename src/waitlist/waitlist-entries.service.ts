import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EntryWrite, WaitlistRepository } from './waitlist.repository';

/**
 * Adding to the waitlist, by staff or by the patient's W: one live entry per patient,
 * practitioner and type. Open freed time whose waves had run out is looked at again at once,
 * since this patient may match it.
 */
@Injectable()
export class WaitlistEntries {
  constructor(private readonly repo: WaitlistRepository) {}

  async add(
    m: EntityManager,
    entry: EntryWrite,
    now: Date,
  ): Promise<{ id: string; created: boolean }> {
    const id = await this.repo.insert(m, entry);
    if (!id) {
      const live = await this.repo.liveFor(
        m,
        entry.clinicId,
        entry.patientId,
        entry.practitioner,
        entry.type,
      );
      return { id: live!, created: false };
    }
    await this.repo.rewakeFreedSlots(m, entry.clinicId, entry.practitioner, now);
    return { id, created: true };
  }
}
