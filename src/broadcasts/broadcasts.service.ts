import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { sha256Hex } from '../common/crypto/secrets';
import { DueSignals } from '../common/due-work/due-signals';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { daysInMonth, wallTimeToInstantCompatible } from '../common/time/starts-at';
import { MESSAGE_STATUSES } from '../messaging/message-statuses';
import { countSegments } from '../messaging/segments';
import { BroadcastRow, BroadcastScope, BroadcastsRepository } from './broadcasts.repository';
import type {
  BroadcastMessageCountsView,
  BroadcastView,
  CreateBroadcastDto,
  CreatedBroadcastView,
} from './dto/broadcasts.dto';

/** The due-work kind (and signal) of broadcasts: a new broadcast notifies it at its commit. */
export const BROADCAST_WORK = 'broadcasts';
export const MAX_BROADCAST_SEGMENTS = 3;
export const MAX_IDEMPOTENCY_KEY = 200;

const isUuid = (id: string) => /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(id);

/**
 * A text to every patient with a live appointment on a local day (closures): counted first
 * (dry run), then written as one broadcast with one recipient row per patient in a single
 * short transaction; the texts (and cancellations) follow in batches as due work
 * (BroadcastSender). Idempotent on the client's key: the same request again returns the same
 * broadcast; the same key with another request is a 409.
 */
@Injectable()
export class BroadcastsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly broadcasts: BroadcastsRepository,
    private readonly signals: DueSignals,
    private readonly clock: Clock,
  ) {}

  async create(
    clinic: ClinicEntity,
    dto: CreateBroadcastDto,
    idempotencyKey: string | undefined,
  ): Promise<CreatedBroadcastView> {
    const key = idempotencyKey?.trim() || null;
    if (key && key.length > MAX_IDEMPOTENCY_KEY) {
      throw new InvalidInputError([
        `Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY} characters`,
      ]);
    }
    const { segments } = countSegments(dto.body);
    if (segments > MAX_BROADCAST_SEGMENTS) {
      throw new InvalidInputError([
        `body must fit in ${MAX_BROADCAST_SEGMENTS} SMS segments (it takes ${segments})`,
      ]);
    }
    const scope = this.scope(clinic, dto);
    const cancelAppointments = dto.cancelAppointments ?? false;
    if (dto.dryRun) {
      const counts = await this.broadcasts.count(scope);
      return { id: null, segments, ...counts, dryRun: true };
    }
    const requestHash = sha256Hex(
      JSON.stringify([dto.date, scope.practitioner, scope.location, dto.body, cancelAppointments]),
    );
    const row = await this.ds.transaction(async (m) => {
      const earlier = key ? await this.broadcasts.findByKey(m, clinic.id, key) : null;
      const id =
        earlier?.id ??
        (await this.broadcasts.insert(m, {
          clinicId: clinic.id,
          idempotencyKey: key,
          requestHash,
          date: dto.date,
          scope,
          body: dto.body,
          segments,
          cancelAppointments,
          at: this.clock.now(),
        }));
      // A concurrent request with the same key committed first: its broadcast stands.
      const made = id ? (await this.broadcasts.byIds(m, [id]))[0] : null;
      const saved = made ?? (await this.broadcasts.findByKey(m, clinic.id, key!))!;
      if (saved.request_hash !== requestHash) {
        throw new ConflictError([
          'Idempotency-Key was already used for a different broadcast request',
        ]);
      }
      if (!earlier && id) await this.signals.notify(m, BROADCAST_WORK);
      return saved;
    });
    return {
      id: row.id,
      recipients: row.recipients,
      segments: row.segments,
      optedOut: row.opted_out,
      appointments: row.appointments,
      dryRun: false,
    };
  }

  async get(clinic: ClinicEntity, id: string): Promise<BroadcastView> {
    const row = isUuid(id) ? await this.broadcasts.find(clinic.id, id) : null;
    if (!row) throw new NotFoundError('broadcast');
    return this.view(row);
  }

  private async view(row: BroadcastRow): Promise<BroadcastView> {
    const progress = await this.broadcasts.progress(row.id);
    const messages = Object.fromEntries(
      MESSAGE_STATUSES.filter((s) => s !== 'received').map((s) => [s, progress.statuses[s] ?? 0]),
    ) as unknown as BroadcastMessageCountsView;
    return {
      id: row.id,
      date: row.date,
      practitioner: row.practitioner,
      location: row.location,
      body: row.body,
      segments: row.segments,
      cancelAppointments: row.cancel_appointments,
      recipients: row.recipients,
      optedOut: row.opted_out,
      appointments: row.appointments,
      processed: progress.processed,
      done: progress.left === 0,
      messages,
      createdAt: row.created_at.toISOString(),
    };
  }

  /** The local day in the clinic's zone as instants: a DST day is 23 or 25 hours. */
  private scope(clinic: ClinicEntity, dto: CreateBroadcastDto): BroadcastScope {
    const [year, month, day] = dto.date.split('-').map(Number);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      throw new InvalidInputError(['date must be a calendar date YYYY-MM-DD']);
    }
    const midnight = (y: number, mo: number, d: number) =>
      wallTimeToInstantCompatible(
        { year: y, month: mo, day: d, hour: 0, minute: 0, second: 0, millisecond: 0 },
        clinic.timezone,
      );
    const next = new Date(Date.UTC(year, month - 1, day + 1));
    return {
      clinicId: clinic.id,
      startsFrom: midnight(year, month, day),
      startsBefore: midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()),
      practitioner: dto.practitioner ?? null,
      location: dto.location ?? null,
    };
  }
}
