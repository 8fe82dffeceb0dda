import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { ProviderType } from '../messaging/providers/sms-provider.port';
import { Pacer } from './pacer';
import { keyOf, SenderBudgetRepository } from './sender-budget.repository';
import { SenderHealth } from './sender-health';

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
 * message that gets none learns when its sender is free again.
 */
@Injectable()
export class SlotReserver {
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
    const asked = [...groups].filter(([key]) => held.get(key)?.from !== 0);
    const grants = await this.budgets.reserve(
      asked.map(([key, { sender, indexes }]) => {
        const wanted = held.get(key)?.from ?? indexes.length;
        return {
          providerType: sender.providerType,
          senderNumber: sender.senderNumber,
          wanted,
          intervalMs: intervalMsFor(sender.ratePerSecond, this.config.sendRateMarginMs),
          answers: Math.min(wanted, indexes.filter((i) => senders[i].answer).length),
        };
      }),
      SLOT_HORIZON_MS,
      ANSWER_HORIZON_MS,
    );
    const answeredAt = this.pacer.elapsedMs();
    const byKey = new Map(grants.map((g) => [keyOf(g), g]));
    const slots: Slot[] = new Array<Slot>(senders.length);
    for (const [key, { indexes }] of groups) {
      const grant = byKey.get(key);
      const interval = grant?.intervalMs ?? 1000;
      const granted = grant?.granted ?? 0;
      const pause = held.get(key);
      indexes.forEach((index, i) => {
        if (pause && i >= pause.from) {
          slots[index] = { granted: false, freeInMs: pause.inMs };
          return;
        }
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
}
