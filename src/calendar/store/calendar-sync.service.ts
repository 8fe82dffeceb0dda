import { Injectable, Logger } from '@nestjs/common';
import { AppointmentImportService } from '../../appointments/appointment-import.service';
import { CALENDAR_SYNC_WORK } from '../../clinics/calendar-store-settings';
import type { ClinicEntity } from '../../clinics/clinic.entity';
import { ClinicsRepository } from '../../clinics/clinics.repository';
import { Clock } from '../../common/clock/clock';
import { CredentialsVault } from '../../common/crypto/credentials-vault';
import { DueWork, SAFETY_POLL_MS } from '../../common/due-work/due-work';
import { newInstanceId } from '../../common/instance/instance-id';
import type { StoreLink, StoreRead, UnmappedEvent, UploadItem } from './calendar-store.port';
import { CalendarStoreRepository, ClaimedSync } from './calendar-store.repository';
import { CalendarStores } from './calendar-stores';
import { errorText } from './store-http';

/** Long enough for a first read of a large calendar; a dead instance's clinic waits this long. */
const LEASE_MS = 10 * 60_000;
const CLINICS_PER_CLAIM = 5;
/**
 * How often a read also looks for events deleted outright from a store whose search cannot say
 * so (FHIR): the refs of the upcoming appointments Turnout holds, looked up by id.
 */
export const RECONCILE_MS = 15 * 60_000;

export interface SyncOutcome {
  clinicId: string;
  ok: boolean;
  created: number;
  updated: number;
  unchanged: number;
  cancelledByDeletion: number;
  unmapped: number;
  requests: number;
  error?: string;
}

/**
 * Reads each clinic's calendar store on the due-work engine, every `syncSeconds`, incrementally
 * (the store's cursor), one sync of a clinic at a time across instances (the sync row's lease).
 * What it reads goes through the upload's import (AppointmentImportService): idempotent,
 * `unchanged` when nothing changed, a moved time replans the reminders, a patient's
 * confirmation is never undone. An event deleted from the store cancels its appointment.
 */
@Injectable()
export class CalendarSync {
  private readonly logger = new Logger('CalendarSync');
  private readonly instanceId = newInstanceId();

  constructor(
    private readonly syncs: CalendarStoreRepository,
    private readonly stores: CalendarStores,
    private readonly clinics: ClinicsRepository,
    private readonly imports: AppointmentImportService,
    private readonly vault: CredentialsVault,
    private readonly clock: Clock,
  ) {}

  /**
   * The due-work pass: the clinics due now, then the next clinic's `next_sync_at` (each read
   * sets it `syncSeconds` on); a store set or changed is signalled (CALENDAR_SYNC_WORK).
   */
  @DueWork({
    name: 'calendar-sync',
    kinds: [CALENDAR_SYNC_WORK],
    poll: 'dispatchIntervalMs',
    safetyPollMs: SAFETY_POLL_MS,
  })
  async pass(): Promise<Date | null> {
    while ((await this.runOnce()).length === CLINICS_PER_CLAIM);
    return this.syncs.nextDue();
  }

  /** The clinics due now, each read once; returns what each read did. */
  async runOnce(): Promise<SyncOutcome[]> {
    const now = this.clock.now();
    const claimed = await this.syncs.claim(
      now,
      new Date(now.getTime() + LEASE_MS),
      this.instanceId,
      CLINICS_PER_CLAIM,
    );
    const outcomes: SyncOutcome[] = [];
    for (const c of claimed) outcomes.push(await this.syncOne(c));
    return outcomes;
  }

  private async syncOne(claim: ClaimedSync): Promise<SyncOutcome> {
    const outcome: SyncOutcome = {
      clinicId: claim.clinic_id,
      ok: false,
      created: 0,
      updated: 0,
      unchanged: 0,
      cancelledByDeletion: 0,
      unmapped: 0,
      requests: 0,
    };
    const clinic = await this.clinics.findById(claim.clinic_id);
    const settings = clinic?.calendarStore;
    const adapter = settings ? this.stores.of(settings.type) : null;
    const next = (from: Date) => new Date(from.getTime() + (settings?.syncSeconds ?? 60) * 1000);
    if (!clinic || !settings || !adapter) {
      await this.syncs.readFailed(
        claim.clinic_id,
        claim.lease_until,
        'no store',
        this.clock.now(),
        next(this.clock.now()),
      );
      return outcome;
    }
    try {
      const secret = clinic.calendarStoreSecret ? this.vault.open(clinic.calendarStoreSecret) : {};
      const now = this.clock.now();
      const reconcile =
        claim.cursor !== null &&
        (!claim.reconciled_at || now.getTime() - claim.reconciled_at.getTime() >= RECONCILE_MS);
      const held = { upcoming: () => this.syncs.upcomingRefs(clinic.id, now) };
      const read = await adapter.read(
        { clinicId: clinic.id, timezone: clinic.timezone, settings, secret },
        claim.cursor,
        reconcile ? held : undefined,
      );
      outcome.requests = read.requests;
      await this.apply(clinic, read, outcome);
      const at = this.clock.now();
      await this.syncs.readDone(claim.clinic_id, claim.lease_until, {
        cursor: read.cursor,
        at,
        next: next(at),
        events: read.mapped.length + read.unmapped.length + read.deleted.length,
        // a first read saw everything there is: it counts as reconciled
        reconciled: reconcile || claim.cursor === null,
      });
      outcome.ok = true;
    } catch (e: unknown) {
      outcome.error = errorText(e);
      const at = this.clock.now();
      await this.syncs.readFailed(claim.clinic_id, claim.lease_until, outcome.error, at, next(at));
      this.logger.warn(
        `calendar store read failed for clinic ${claim.clinic_id}: ${outcome.error}`,
      );
    }
    return outcome;
  }

  private async apply(clinic: ClinicEntity, read: StoreRead, outcome: SyncOutcome): Promise<void> {
    const gone = await this.syncs.linksByHref(clinic.id, read.deleted);
    // A deleted event's appointment is cancelled, not deleted: its history stays.
    const cancellations = gone.map((l) => ({ ...l.item, status: 'cancelled' as const }));
    // The last copy of an event wins within one read (a store may list an href twice).
    const byId = new Map<string, StoreLink>();
    for (const l of read.mapped) byId.set(l.externalId, l);
    const links = [...byId.values()];
    const items: UploadItem[] = [...links.map((l) => l.item), ...cancellations];
    const unmapped: UnmappedEvent[] = [...read.unmapped];
    const accepted: StoreLink[] = [];
    if (items.length > 0) {
      const results = await this.imports.upsert(clinic, items);
      results.forEach((r, i) => {
        const link = links[i];
        if (r.outcome === 'error') {
          if (link)
            unmapped.push({
              ref: link.href,
              summary: link.item.externalId,
              reason: r.errors.join('; '),
            });
          return;
        }
        if (i >= links.length) outcome.cancelledByDeletion += r.outcome === 'updated' ? 1 : 0;
        else {
          accepted.push(link);
          outcome[r.outcome] += 1;
        }
      });
    }
    await this.syncs.saveLinks(clinic.id, accepted);
    await this.syncs.deleteLinks(clinic.id, read.deleted);
    await this.syncs.recordUnmapped(
      clinic.id,
      unmapped,
      [...accepted.map((l) => l.href), ...read.deleted],
      this.clock.now(),
    );
    outcome.unmapped = unmapped.length;
  }
}
