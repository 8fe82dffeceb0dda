import { Injectable } from '@nestjs/common';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { InvalidInputError } from '../common/errors/domain-errors';
import { parseStartsAt, TimeInputError } from '../common/time/starts-at';
import { validateItem } from '../common/validation/validate-item';
import {
  ListSlotsQuery,
  SlotInputDto,
  SlotList,
  SlotResult,
  SlotsBatchResult,
} from './dto/slots.dto';
import { SlotWrite, SlotsRepository, slotKey } from './slots.repository';

@Injectable()
export class SlotsService {
  constructor(
    private readonly slots: SlotsRepository,
    private readonly clock: Clock,
  ) {}

  async upsertBatch(clinic: ClinicEntity, items: unknown[]): Promise<SlotsBatchResult> {
    const results: SlotResult[] = new Array(items.length);
    const valid: { index: number; write: SlotWrite }[] = [];
    const seen = new Map<string, number>();
    items.forEach((raw, index) => {
      const checked = validateItem(SlotInputDto, raw);
      if (!checked.ok) {
        results[index] = { index, id: null, outcome: 'error', errors: checked.errors };
        return;
      }
      const dto = checked.value;
      let startsAt: Date;
      try {
        startsAt = parseStartsAt(dto.startsAt, clinic.timezone);
      } catch (e) {
        if (!(e instanceof TimeInputError)) throw e;
        results[index] = { index, id: null, outcome: 'error', errors: [e.message] };
        return;
      }
      const duration = dto.durationMinutes ?? 30;
      const write: SlotWrite = {
        practitioner: dto.practitioner.trim(),
        location: dto.location?.trim() || null,
        startsAt,
        endsAt: new Date(startsAt.getTime() + duration * 60_000),
        durationMinutes: duration,
      };
      const key = slotKey(write.practitioner, startsAt);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        results[index] = {
          index,
          id: null,
          outcome: 'error',
          errors: [`the same practitioner and startsAt already appear at index ${earlier}`],
        };
        return;
      }
      seen.set(key, index);
      valid.push({ index, write });
    });
    if (valid.length > 0) {
      const written = await this.slots.upsertMany(
        clinic.id,
        valid.map((v) => v.write),
        this.clock.now(),
      );
      for (const { index, write } of valid) {
        const w = written.get(slotKey(write.practitioner, write.startsAt))!;
        results[index] =
          w.outcome === 'booked'
            ? {
                index,
                id: w.id,
                outcome: 'error',
                errors: ['slot is already booked; it cannot be changed'],
              }
            : { index, id: w.id, outcome: w.outcome };
      }
    }
    return { results };
  }

  async listOpen(clinic: ClinicEntity, q: ListSlotsQuery): Promise<SlotList> {
    const now = this.clock.now();
    const bound = (field: string, v: string) => {
      try {
        return parseStartsAt(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00` : v, clinic.timezone);
      } catch (e) {
        if (e instanceof TimeInputError) throw new InvalidInputError([`${field}: ${e.message}`]);
        throw e;
      }
    };
    const from = q.from ? bound('from', q.from) : now;
    const rows = await this.slots.listOpen(clinic.id, {
      from: from < now ? now : from,
      to: q.to ? bound('to', q.to) : undefined,
      practitioner: q.practitioner,
      now,
      limit: 500,
    });
    return {
      items: rows.map((r) => ({
        id: r.id,
        practitioner: r.practitioner,
        location: r.location,
        startsAt: r.starts_at.toISOString(),
        endsAt: r.ends_at.toISOString(),
        durationMinutes: r.duration_minutes,
      })),
    };
  }
}
