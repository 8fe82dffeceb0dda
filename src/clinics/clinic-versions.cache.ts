import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ClinicEntity } from './clinic.entity';
import { ClinicsRepository } from './clinics.repository';

/** Bounds memory; past it the oldest clinic is read again when next needed. */
const MAX_ENTRIES = 10_000;

/**
 * Clinics as of a version the caller has just read, remembered between patient texts so that
 * each text does not read (and map) its clinic row again. Every change to a clinic's settings
 * bumps its version (ClinicsRepository.update), so a remembered clinic at the version the text's
 * transaction sees is the clinic as it stands. (Re-sealing the stored credentials bumps no
 * version; they mean the same afterwards, and a patient's text does not use them.)
 */
@Injectable()
export class ClinicVersionsCache {
  private readonly entries = new Map<string, ClinicEntity>();

  constructor(private readonly clinics: ClinicsRepository) {}

  /** The clinic at `version`; read in `m` when not remembered at that version (or unknown). */
  async get(
    m: EntityManager,
    id: string,
    version: number | null | undefined,
  ): Promise<ClinicEntity | null> {
    const known = this.entries.get(id);
    if (known && version != null && known.version === version) return known;
    const clinic = await this.clinics.findById(id, m);
    this.entries.delete(id);
    if (!clinic) return null;
    if (this.entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order: drop the oldest entry.
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(id, clinic);
    return clinic;
  }
}
