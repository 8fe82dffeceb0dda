import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ProviderType } from '../../messaging/providers/sms-provider.port';
import { namedQuery } from '../../database/named-query';
import { returningRows } from '../../database/returning-rows';

export interface SlotRequest {
  providerType: ProviderType;
  senderNumber: string;
  /** how many messages want a slot now */
  wanted: number;
  /** spacing between two messages of this sender */
  intervalMs: number;
  /**
   * How many of `wanted` are answers, at the front: they may take a slot up to `answerHorizonMs`
   * ahead, so a patient waiting for an answer waits for at most the slot already handed out,
   * never behind the sender's queue of routine texts (those ask only within the horizon).
   */
  answers?: number;
  /**
   * Slots this instance would keep for its next waves, after the `wanted` ones: granted only
   * when every wanted one is, and only within the spare horizon (see SlotReserver).
   */
  spare?: number;
}

export interface SlotGrant {
  providerType: ProviderType;
  senderNumber: string;
  /** slots granted, at firstInMs + i * intervalMs for i < granted (spare ones included) */
  granted: number;
  intervalMs: number;
  /** from the moment the database answered; <= 0 means at once */
  firstInMs: number;
  /** when the sender is free again after these grants */
  freeInMs: number;
  /** the budget's next free instant as this statement left it, exactly (see giveBack) */
  freeAt: string;
}

/** Slots at the end of a grant that will not be used: handed back if no one came after. */
export interface SlotReturn {
  providerType: ProviderType;
  senderNumber: string;
  /** the grant's `freeAt` */
  freeAt: string;
  unused: number;
  intervalMs: number;
}

/**
 * A GCRA without burst, one row per sender: `next_free_at` is the earliest instant the next
 * message may go. Reserving k slots moves it k intervals on, atomically, under a row lock, so
 * any number of instances share one budget. Times are the database's own clock: it is the one
 * clock every instance shares, and unlike the domain clock it is never a test's manual clock,
 * because the cap is about real seconds at the provider.
 *
 * Only slots within `horizonMs` are granted: a far slot would hold a worker asleep, and a slot
 * granted but not used is throughput lost for good.
 */
const RESERVE_SQL = `
  WITH soft AS (
    -- A budget is soft state: should the database crash, losing its last instants costs at
    -- most one window's worth of cap. Not waiting for the WAL flush shortens the round trip.
    SELECT set_config('synchronous_commit', 'off', true)
  ), want AS (
    SELECT w.* FROM soft, json_to_recordset($1::json)
      AS w(provider_type text, sender_number text, wanted int, interval_ms float8, answers int,
        spare int)
  ), locked AS (
    SELECT b.provider_type, b.sender_number, b.next_free_at
    FROM sender_budgets b JOIN want w USING (provider_type, sender_number)
    ORDER BY b.provider_type, b.sender_number
    FOR UPDATE OF b
  ), reach AS (
    -- how many slots from the sender's next free one fall within each horizon
    SELECT l.provider_type, l.sender_number, w.interval_ms, w.wanted, w.answers, w.spare, t.start,
      greatest(0, floor(extract(epoch FROM (t.now + $2 * interval '1 millisecond' - t.start))
        * 1000 / w.interval_ms)::int + 1) AS routine_reach,
      greatest(0, floor(extract(epoch FROM (t.now + $3 * interval '1 millisecond' - t.start))
        * 1000 / w.interval_ms)::int + 1) AS answer_reach,
      greatest(0, floor(extract(epoch FROM (t.now + $4 * interval '1 millisecond' - t.start))
        * 1000 / w.interval_ms)::int + 1) AS spare_reach
    FROM locked l JOIN want w USING (provider_type, sender_number)
    CROSS JOIN LATERAL (
      SELECT clock_timestamp() AS now, greatest(l.next_free_at, clock_timestamp()) AS start
    ) t
  ), wave AS (
    SELECT provider_type, sender_number, interval_ms, start, wanted, spare, spare_reach,
      CASE WHEN answer_reach < answers THEN answer_reach
           -- routine texts come after every answer of the wave, within the short horizon
           ELSE answers + least(wanted - answers, greatest(0, routine_reach - answers)) END
        AS granted
    FROM reach
  ), grants AS (
    -- spare slots follow the wave's, only when the wave got all it wanted
    SELECT provider_type, sender_number, interval_ms, start,
      granted + CASE WHEN granted = wanted
                     THEN least(spare, greatest(0, spare_reach - wanted)) ELSE 0 END AS granted
    FROM wave
  ), spent AS (
    UPDATE sender_budgets b
    SET next_free_at = g.start + g.granted * g.interval_ms * interval '1 millisecond'
    FROM grants g
    WHERE b.provider_type = g.provider_type AND b.sender_number = g.sender_number
      AND g.granted > 0
  )
  SELECT provider_type, sender_number, granted, interval_ms,
    extract(epoch FROM (start - clock_timestamp())) * 1000 AS first_in_ms,
    extract(epoch FROM (start + granted * interval_ms * interval '1 millisecond'
      - clock_timestamp())) * 1000 AS free_in_ms,
    (start + granted * interval_ms * interval '1 millisecond')::text AS free_at
  FROM grants`;

/**
 * Unused slots at the end of grants, handed back: the budget moves back by them only where it
 * is still where the grant left it (no one has reserved after), so no slot handed out since is
 * ever shared. Soft state, as reservations are.
 */
const GIVE_BACK_SQL = `
  WITH soft AS (
    SELECT set_config('synchronous_commit', 'off', true)
  ), back AS (
    SELECT v.* FROM soft, json_to_recordset($1::json)
      AS v(provider_type text, sender_number text, free_at timestamptz, unused int,
        interval_ms float8)
  )
  UPDATE sender_budgets b
  SET next_free_at = b.next_free_at - v.unused * v.interval_ms * interval '1 millisecond'
  FROM back v
  WHERE b.provider_type = v.provider_type AND b.sender_number = v.sender_number
    AND b.next_free_at = v.free_at
  RETURNING b.sender_number`;

interface GrantRow {
  provider_type: ProviderType;
  sender_number: string;
  granted: number;
  interval_ms: number;
  first_in_ms: string;
  free_in_ms: string;
  free_at: string;
}

@Injectable()
export class SenderBudgetRepository {
  /** senders whose budget row this process has already made sure of */
  private readonly known = new Set<string>();

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async reserve(
    requests: SlotRequest[],
    horizonMs: number,
    answerHorizonMs = horizonMs,
    spareHorizonMs = horizonMs,
  ): Promise<SlotGrant[]> {
    if (requests.length === 0) return [];
    await this.ensureRows(requests);
    const want = JSON.stringify(
      requests.map((r) => ({
        provider_type: r.providerType,
        sender_number: r.senderNumber,
        wanted: r.wanted,
        interval_ms: r.intervalMs,
        answers: r.answers ?? 0,
        spare: r.spare ?? 0,
      })),
    );
    const rows = (await namedQuery(this.ds, 'dispatch_reserve', RESERVE_SQL, [
      want,
      horizonMs,
      answerHorizonMs,
      spareHorizonMs,
    ])) as GrantRow[];
    return rows.map((r) => ({
      providerType: r.provider_type,
      senderNumber: r.sender_number,
      granted: r.granted,
      intervalMs: r.interval_ms,
      firstInMs: Number(r.first_in_ms),
      freeInMs: Number(r.free_in_ms),
      freeAt: r.free_at,
    }));
  }

  /** Returns how many of the given grants took their slots back. */
  async giveBack(returns: SlotReturn[]): Promise<number> {
    const back = returns.filter((r) => r.unused > 0);
    if (back.length === 0) return 0;
    const result = await namedQuery(this.ds, 'dispatch_give_back', GIVE_BACK_SQL, [
      JSON.stringify(
        back.map((r) => ({
          provider_type: r.providerType,
          sender_number: r.senderNumber,
          free_at: r.freeAt,
          unused: r.unused,
          interval_ms: r.intervalMs,
        })),
      ),
    ]);
    return returningRows<unknown>(result).length;
  }

  /** A row must exist to be locked; a new sender starts with its budget free. */
  private async ensureRows(requests: SlotRequest[]): Promise<void> {
    const fresh = requests.filter((r) => !this.known.has(keyOf(r)));
    if (fresh.length === 0) return;
    await this.ds.query(
      `INSERT INTO sender_budgets (provider_type, sender_number, next_free_at)
       SELECT v.provider_type, v.sender_number, '-infinity'
       FROM json_to_recordset($1::json) AS v(provider_type text, sender_number text)
       ON CONFLICT DO NOTHING`,
      [
        JSON.stringify(
          fresh.map((r) => ({ provider_type: r.providerType, sender_number: r.senderNumber })),
        ),
      ],
    );
    for (const r of fresh) this.known.add(keyOf(r));
  }
}

export function keyOf(sender: { providerType: string; senderNumber: string }): string {
  return `${sender.providerType}:${sender.senderNumber}`;
}
