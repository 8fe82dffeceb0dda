import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { backfillOf } from '../clinics/clinic-settings';
import { ClinicsRepository } from '../clinics/clinics.repository';
import { Clock } from '../common/clock/clock';
import { DueWork, SAFETY_POLL_MS } from '../common/due-work/due-work';
import { applyQuietHours, type QuietHours } from '../common/time/quiet-hours';
import { wallTimeOf } from '../common/time/starts-at';
import { languageOf } from '../messaging/templates';
import { renderWaitlistOffer } from '../messaging/waitlist-templates';
import { OFFER_EXPIRY_MS } from '../outbound/message-kinds';
import { OutboundMessages } from '../outbound/outbound-messages';
import { FREED_TIME_WORK } from '../slots/slot-holds.repository';
import { DueSlot, WaitlistRepository } from './waitlist.repository';

const BATCH_SIZE = 50;
/** A move into freed time frees the old time, offered on in turn; this many moves deep at most. */
export const MAX_CASCADE = 3;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600_000;
/** An instant past every appointment: quiet hours then always end at the window's end. */
const FAR = new Date(8.64e15);

/**
 * Due work for the due-work engine: freed time is offered to the waitlist in waves. Each wave
 * texts the clinic's `waveSize` best matches, and the next is due `waveMinutes` later, until the
 * slot is booked (or a live appointment holds its time: staff moved one there, the calendar
 * uploaded one), starts within `minNoticeMinutes`, or nobody is left. A slot is locked while
 * its wave is made (SKIP LOCKED: any number of instances), and an offer is unique per slot and
 * entry, so no patient is texted twice for the same time.
 */
@Injectable()
export class BackfillWaves {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: WaitlistRepository,
    private readonly clinics: ClinicsRepository,
    private readonly outbound: OutboundMessages,
    private readonly clock: Clock,
  ) {}

  /**
   * The due-work engine's pass: every wave due now, then when the next one is. Freed time is
   * signalled (FREED_TIME_WORK) and every later wave's time is in `slots.next_wave_at`, so the
   * loop sleeps until then and polls only as a safety net.
   */
  @DueWork({
    name: 'backfill-waves',
    kinds: [FREED_TIME_WORK],
    poll: 'dispatchIntervalMs',
    safetyPollMs: SAFETY_POLL_MS,
  })
  async pass(): Promise<Date | null> {
    while ((await this.runOnce()) === BATCH_SIZE);
    return this.repo.nextWaveDue();
  }

  /** Makes the waves of one batch of due slots; returns how many slots it looked at. */
  async runOnce(limit = BATCH_SIZE): Promise<number> {
    const now = this.clock.now();
    return this.ds.transaction(async (m) => {
      const slots = await this.repo.lockDueSlots(m, now, limit);
      const clinics = new Map<string, ClinicEntity | null>();
      for (const slot of slots) {
        if (!clinics.has(slot.clinic_id)) {
          clinics.set(slot.clinic_id, await this.clinics.findById(slot.clinic_id, m));
        }
        const clinic = clinics.get(slot.clinic_id);
        const next = clinic ? await this.wave(m, clinic, slot, now) : null;
        await this.repo.scheduleWave(m, slot.id, next?.at ?? null, next?.waved ?? false);
      }
      return slots.length;
    });
  }

  /** One wave for the slot; returns when the next is due (null: no more waves). */
  private async wave(
    m: EntityManager,
    clinic: ClinicEntity,
    slot: DueSlot,
    now: Date,
  ): Promise<{ at: Date; waved: boolean } | null> {
    const settings = backfillOf(clinic);
    if (!settings.enabled || slot.booked || slot.occupied || slot.cascade_depth > MAX_CASCADE) {
      return null;
    }
    const start = slot.starts_at.getTime();
    if (start < now.getTime() + settings.minNoticeMinutes * MINUTE_MS) return null;
    const inHorizon = start - settings.horizonDays * DAY_MS;
    if (inHorizon > now.getTime()) return { at: new Date(inHorizon), waved: false };
    // Someone's reschedule offer holds it: offered on once that hold lapses.
    if (slot.held_until && slot.held_until > now) return { at: slot.held_until, waved: false };
    const quiet = quietHoursOf(clinic);
    const resume = quietUntil(now, clinic.timezone, quiet);
    if (resume) return { at: resume, waved: false };

    // A few more than a wave, for patients whose own zone is in its quiet hours now.
    const found = await this.repo.candidates(
      m,
      slot,
      localDate(slot.starts_at, clinic.timezone),
      settings.waveSize + 10,
      // An offer of another time is live for its wave's waveMinutes.
      { since: new Date(now.getTime() - settings.waveMinutes * MINUTE_MS), now },
    );
    if (found.length === 0) return null;
    const wave = found
      .filter((c) => !c.timezone || !quietUntil(now, c.timezone, quiet))
      .slice(0, settings.waveSize);
    const next = new Date(now.getTime() + settings.waveMinutes * MINUTE_MS);
    if (wave.length === 0) return { at: next, waved: false };
    await this.repo.insertOffers(
      m,
      clinic.id,
      slot.id,
      slot.waves + 1,
      wave.map((c) => ({ entryId: c.entry_id, patientId: c.patient_id })),
      now,
    );
    await this.outbound.enqueueMany(
      m,
      wave.map((c) => ({
        kind: 'backfill_offer' as const,
        clinicId: clinic.id,
        patientId: c.patient_id,
        to: c.phone,
        body: renderWaitlistOffer(languageOf(c.language), {
          clinicName: clinic.name,
          startsAt: slot.starts_at,
          zone: c.timezone ?? clinic.timezone,
          practitioner: slot.practitioner,
        }),
      })),
    );
    return { at: next, waved: true };
  }
}

function quietHoursOf(clinic: ClinicEntity): QuietHours | null {
  return clinic.quietHoursStart && clinic.quietHoursEnd
    ? { start: clinic.quietHoursStart, end: clinic.quietHoursEnd }
    : null;
}

/**
 * When quiet hours end, if an offer made now could reach the patient inside them (now, or before
 * it expires unsent); null when it can go now.
 */
function quietUntil(now: Date, zone: string, quiet: QuietHours | null): Date | null {
  for (const at of [now, new Date(now.getTime() + OFFER_EXPIRY_MS)]) {
    const allowed = applyQuietHours(at, FAR, zone, quiet);
    if (allowed > at) return allowed;
  }
  return null;
}

/** The slot's local date in the clinic's zone, as the entries' date window reads it. */
function localDate(at: Date, zone: string): string {
  const w = wallTimeOf(at, zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}
