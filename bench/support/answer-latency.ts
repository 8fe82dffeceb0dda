import type { INestApplicationContext } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import { InboxWriter } from '../../src/bench-seam';

export interface AnswerLatency {
  answers: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * Webhook acknowledged -> answer handed to the provider. Each webhook (a HELP from a new number
 * to one of the senders, none of which is busy) is stored through the inbox writer, as the
 * intake does before it acknowledges; from the moment that resolves, the service's own loops
 * (woken by LISTEN/NOTIFY) process it, write the answer and send it. `handedOver(to)` resolves
 * with the moment the provider was called for that number.
 */
export async function measureAnswerLatency(
  app: INestApplicationContext,
  client: Client,
  handedOver: (to: string) => Promise<number>,
  options: { answers: number; perSecond: number },
): Promise<AnswerLatency> {
  const writer = app.get(InboxWriter);
  const { rows: clinics } = await client.query<{ id: string; sender_number: string }>(
    `SELECT id, sender_number FROM clinics ORDER BY sender_number`,
  );
  const latencies: number[] = [];
  const waiting: Promise<void>[] = [];
  for (let i = 0; i < options.answers; i += 1) {
    const clinic = clinics[i % clinics.length];
    const from = `+1773${String(5550000 + i).padStart(7, '0')}`;
    const sent = writer
      .write({
        providerType: 'fake',
        clinicId: clinic.id,
        clinicVersion: null,
        event: {
          kind: 'inbound',
          message: {
            providerMessageId: `bench-help-${i}`,
            from,
            to: clinic.sender_number,
            body: 'HELP',
          },
        },
        receivedAt: new Date(),
      })
      .then(async () => {
        const ackedAt = performance.now();
        const at = await Promise.race([handedOver(from), sleep(30_000, undefined)]);
        if (at !== undefined) latencies.push(at - ackedAt);
      });
    waiting.push(sent);
    await sleep(1000 / options.perSecond);
  }
  await Promise.all(waiting);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    answers: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1],
  };
}
