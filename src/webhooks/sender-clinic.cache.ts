import { Injectable } from '@nestjs/common';
import type { ProviderType } from '../messaging/providers/sms-provider.port';
import { SenderClinic, SenderClinicsRepository } from './sender-clinics.repository';

/** Bounds memory and how long a clinic changed without a version bump could be seen stale. */
const MAX_ENTRIES = 10_000;
const MAX_AGE_MS = 60_000;

export interface FoundClinic {
  clinic: SenderClinic;
  /** read from the cache: may be out of date, see WebhookIntakeService */
  cached: boolean;
}

/**
 * Sender number to clinic, remembered between webhooks so the common case costs no query.
 * Never trusted blindly: a signature that fails against a cached clinic is checked again with a
 * fresh read, and the inbox stores an event only if the clinic is still at the cached version.
 * Unknown numbers are not remembered, so a newly created clinic is found at once.
 */
@Injectable()
export class SenderClinicCache {
  private readonly entries = new Map<string, { clinic: SenderClinic; at: number }>();

  constructor(private readonly repository: SenderClinicsRepository) {}

  async find(type: ProviderType, number: string): Promise<FoundClinic | null> {
    const entry = this.entries.get(key(type, number));
    // Monotonic process time, not the domain clock: this is cache upkeep, not business time.
    if (entry && performance.now() - entry.at < MAX_AGE_MS) {
      return { clinic: entry.clinic, cached: true };
    }
    return this.refresh(type, number);
  }

  async refresh(type: ProviderType, number: string): Promise<FoundClinic | null> {
    const clinic = await this.repository.findBySender(type, number);
    const k = key(type, number);
    this.entries.delete(k);
    if (!clinic) return null;
    if (this.entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order: drop the oldest entry.
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(k, { clinic, at: performance.now() });
    return { clinic, cached: false };
  }
}

function key(type: ProviderType, number: string): string {
  return `${type} ${number}`;
}
