import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { ProviderType } from '../../messaging/providers/sms-provider.port';
import { Pacer } from './pacer';
import { keyOf, SenderBudgetRepository, type SlotRequest } from './sender-budget.repository';
import { SenderHealth } from './sender-health';
import { SPARE_WINDOW_MS, SpareSlots, spareFor } from './spare-slots';

/**
 * How far ahead a slot may be granted: the longest a send holds its permit asleep. Short, so a
 * busy sender's texts wait their turn without a permit (see SendPump) rather than with one.
 */
export const SLOT_HORIZON_MS = 20;
/**
 * How far ahead an answer may take its sender's next slot: more than one interval at the
 * slowest rate (1/s plus margin), so an answer is never refused in favour of routine texts.
 */
export const ANSWER_HORIZON_MS = 2_500;
export interface Sender {
  providerType: ProviderType;
  senderNumber: string;
  ratePerSecond: number;
  /** an answer to the patient: served ahead of the sender's routine texts */
  answer?: boolean;
}

export type Slot =
  /** send at this reading of the Pacer */
  | { granted: true; atMs: number }
  /** the sender is busy for at least this long: try again then */
  | { granted: false; freeInMs: number };

/**
 * The spacing that keeps a sender at or under `rate` messages in every one-second window. With
 * exactly 1000/rate ms, a message sent a little late would share a window with the one `rate`
 * places after it; the margin is the lateness a send may have and still respect the cap.
 */
export function intervalMsFor(ratePerSecond: number, marginMs: number): number {
  return (1000 + marginMs) / Math.max(1, ratePerSecond);
}

/**
 * Hands out rate-cap slots for a wave of sends, in one statement, at the moment the wave can be
 * sent: a slot granted is used on time. Slots of one sender are handed out in wave order; a
 * message that gets none learns when its sender is free again. A fast sender's spare slots
 * (SPARE_WINDOW_MS) serve its next waves without a statement.
 */
@Injectable()
export class SlotReserver {
  private readonly spares = new SpareSlots();

  constructor(
    private readonly budgets: SenderBudgetRepository,
    private readonly pacer: Pacer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: SenderHealth,
  ) {}

  async reserve(senders: Sender[]): Promise<Slot[]> {
    const groups = new Map<string, { sender: Sender; indexes: number[] }>();
    senders.forEach((sender, index) => {
      const key = keyOf(sender);
      const group = groups.get(key) ?? { sender, indexes: [] };
      group.indexes.push(index);
      groups.set(key, group);
    });
    // A sender's answers take its first slots.
    for (const group of groups.values()) {
      group.indexes.sort((a, b) => Number(!senders[a].answer) - Number(!senders[b].answer));
    }
    // A sender whose provider is failing gets no slot (or one, the probe) until it is back.
    const held = new Map<string, { from: number; inMs: number }>();
    for (const [key, group] of groups) {
      const { allowed, retryInMs } = this.health.admit(key, group.indexes.length);
      if (allowed < group.indexes.length) held.set(key, { from: allowed, inMs: retryInMs });
    }
    // Spare slots first (the earliest; answers are at the front), then the database for the
    // rest of what each sender may send now (`admitted`).
    const now = this.pacer.elapsedMs();
    const taken = new Map<string, { admitted: number; spare: number[] }>();
    for (const [key, group] of groups) {
      const admitted = held.get(key)?.from ?? group.indexes.length;
      taken.set(key, { admitted, spare: admitted > 0 ? this.spares.take(key, admitted, now) : [] });
    }
    const asked = [...groups].filter(([key]) => {
      const { admitted, spare } = taken.get(key)!;
      return admitted > spare.length;
    });
    const askedKeys = new Set(asked.map(([key]) => key));
    const requests: SlotRequest[] = asked.map(([key, { sender, indexes }]) => {
      const { admitted, spare } = taken.get(key)!;
      const wanted = admitted - spare.length;
      const intervalMs = intervalMsFor(sender.ratePerSecond, this.config.sendRateMarginMs);
      return {
        providerType: sender.providerType,
        senderNumber: sender.senderNumber,
        wanted,
        intervalMs,
        answers: indexes.slice(spare.length, admitted).filter((i) => senders[i].answer).length,
        spare: spareFor(intervalMs, wanted),
      };
    });
    // A statement is made anyway: senders in use whose spare slots run out soon renew with it.
    if (requests.length > 0) {
      for (const g of this.spares.toRenew(now, askedKeys)) {
        const { providerType, senderNumber, intervalMs } = g;
        const spare = spareFor(intervalMs, 0);
        requests.push({ providerType, senderNumber, wanted: 0, intervalMs, answers: 0, spare });
      }
    }
    const grants =
      requests.length === 0
        ? []
        : await this.budgets.reserve(requests, SLOT_HORIZON_MS, ANSWER_HORIZON_MS, SPARE_WINDOW_MS);
    const answeredAt = this.pacer.elapsedMs();
    const byKey = new Map(grants.map((g) => [keyOf(g), g]));
    // Renewals: every slot granted is spare.
    for (const r of requests.slice(asked.length)) {
      const grant = byKey.get(keyOf(r));
      if (grant) {
        this.spares.keep(keyOf(r), grant, answeredAt + grant.firstInMs, grant.granted, now);
      }
    }
    const slots: Slot[] = new Array<Slot>(senders.length);
    for (const [key, { indexes }] of groups) {
      const { admitted, spare } = taken.get(key)!;
      // (a sender of the wave served from its spare slots may have been renewed: not its grant)
      const grant = askedKeys.has(key) ? byKey.get(key) : undefined;
      const interval = grant?.intervalMs ?? 1000;
      const pause = held.get(key);
      const wanted = admitted - spare.length;
      const granted = Math.min(grant?.granted ?? 0, wanted);
      if (grant && grant.granted > wanted) {
        const atMs = answeredAt + grant.firstInMs + wanted * interval;
        this.spares.keep(key, grant, atMs, grant.granted - wanted, now);
      }
      indexes.forEach((index, n) => {
        if (pause && n >= pause.from) {
          slots[index] = { granted: false, freeInMs: pause.inMs };
          return;
        }
        if (n < spare.length) {
          slots[index] = { granted: true, atMs: spare[n] };
          return;
        }
        const i = n - spare.length;
        slots[index] =
          i < granted
            ? { granted: true, atMs: answeredAt + grant!.firstInMs + i * interval }
            : // Refused messages line up one interval apart, so they come back one by one.
              {
                granted: false,
                freeInMs: Math.max(0, (grant?.freeInMs ?? 0) + (i - granted) * interval),
              };
      });
    }
    return slots;
  }

  /**
   * Hands the spare slots still held back to the budgets (those no one reserved after), and
   * forgets them all: the pipeline calls it when it has nothing left to send.
   */
  async release(): Promise<void> {
    await this.budgets.giveBack(this.spares.drain());
  }
}
