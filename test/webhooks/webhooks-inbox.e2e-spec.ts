import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  InboundBatch,
  InboundMessageHandler,
  InboundText,
} from '../../src/conversations/inbound-message-handler';
import { InboxProcessor } from '../../src/webhooks/inbox/inbox-processor.service';
import { InboxRepository } from '../../src/webhooks/inbox/inbox.repository';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  inboundRows,
  inboxRows,
  messageRows,
  postSignedTwilio,
  signedTwilio,
  twilioSid,
} from '../support/webhooks';

const AUTH_TOKEN = 'twilio-auth-token-inbox-tests';
const INBOUND = '/webhooks/twilio/inbound';

describe('webhook inbox', () => {
  let t: TestApp;
  let c: TestClinic;
  let sender: string;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(async () => {
    sender = uniquePhone();
    c = await createClinic(t, {
      senderNumber: sender,
      provider: { type: 'twilio', accountSid: 'AC-inbox', authToken: AUTH_TOKEN },
    });
  });
  afterAll(() => t.close());

  function postInbound(from: string, body: string, sid = twilioSid()) {
    const params = { MessageSid: sid, From: from, To: sender, Body: body };
    const signed = signedTwilio(AUTH_TOKEN, INBOUND, params);
    return t.http
      .post(INBOUND)
      .type('form')
      .set('X-Twilio-Signature', signed.signature)
      .send(signed.body);
  }

  it('loses nothing when a processor dies after claiming: the lease runs out, another takes it', async () => {
    await postInbound(uniquePhone(), 'C').expect(200);
    const now = t.clock.now();
    // A processor claims the event, then "crashes" before settling it.
    const claimed = await t.app
      .get(InboxRepository)
      .claim(now, new Date(now.getTime() + 30_000), 1000, 'dead-processor');
    expect(claimed.map((r) => r.clinicId)).toContain(c.id);

    const processor = t.app.get(InboxProcessor);
    await processor.drain();
    expect((await inboxRows(t, c.id))[0].processed_at).toBeNull();
    expect(await inboundRows(t, c.id)).toEqual([]);

    t.clock.advance(30_000);
    await processor.drain();
    const [row] = await inboxRows(t, c.id);
    expect(row.processed_at).not.toBeNull();
    // Two claims, one attempt: the second, run alone and counted before it ran, since a
    // processor had died holding the event (its death is not counted as an attempt).
    expect(row).toMatchObject({ claims: 2, attempts: 1 });
    expect(await inboundRows(t, c.id)).toHaveLength(1);
  });

  it('gives up an event that kills its processor in each attempt after 8 attempts; its neighbour goes through', async () => {
    // The first event kills whoever attempts it; the second was in the batch of a processor
    // that died once.
    const poison = twilioSid();
    await postInbound(uniquePhone(), 'C', poison).expect(200);
    await postInbound(uniquePhone(), 'X').expect(200);
    const inbox = t.app.get(InboxRepository);
    const claim = async (limit: number) => {
      const now = t.clock.now();
      const claimed = await inbox.claim(now, new Date(now.getTime() + 30_000), limit, 'killed');
      return claimed.filter((r) => r.clinicId === c.id);
    };
    expect(await claim(2)).toHaveLength(2);
    t.clock.advance(30_000);
    // Eight processors each take the poison alone, count its attempt as the processor does,
    // and die in it.
    for (let i = 0; i < 8; i += 1) {
      const [row] = await claim(1);
      expect(row.event.kind === 'inbound' && row.event.message.providerMessageId).toBe(poison);
      expect(await inbox.countAttempt(row.id, 'killed')).toBe(true);
      t.clock.advance(30_000);
    }
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    let rows: Awaited<ReturnType<typeof inboxRows>>;
    try {
      await t.app.get(InboxProcessor).drain();
      rows = await inboxRows(t, c.id);
      const dead = rows.find((r) => r.event_key === poison)!;
      expect(dead).toMatchObject({ processed_at: null, claims: 10, attempts: 8 });
      expect(dead.failed_at).not.toBeNull();
      expect(dead.last_error).toBe('8 attempts; its processor did not survive the last');
      expect(errors).toHaveBeenCalledWith(expect.stringContaining(`inbox event ${dead.id} `));
    } finally {
      errors.mockRestore();
    }
    const other = rows.find((r) => r.event_key !== poison)!;
    expect(other).toMatchObject({ claims: 2, attempts: 1, failed_at: null });
    expect(other.processed_at).not.toBeNull();
    // Only the neighbour's text was applied; the dead one is never claimed again.
    expect((await inboundRows(t, c.id)).map((m) => m.body)).toEqual(['X']);
    t.clock.advance(24 * 3600_000);
    await t.app.get(InboxProcessor).drain();
    expect(await inboundRows(t, c.id)).toHaveLength(1);
  });

  it('processes each event exactly once with several processors running side by side', async () => {
    const sids = Array.from({ length: 60 }, () => twilioSid());
    const phones = Array.from({ length: 12 }, () => uniquePhone());
    await Promise.all(sids.map((sid, i) => postInbound(phones[i % phones.length], `m${i}`, sid)));
    // A few replays while the processors run.
    const processor = t.app.get(InboxProcessor);
    await Promise.all([
      processor.drain(),
      processor.drain(),
      processor.drain(),
      ...sids.slice(0, 10).map((sid) => postInbound(phones[0], 'replay', sid).expect(200)),
    ]);
    await processor.drain();
    const rows = await inboxRows(t, c.id);
    expect(rows).toHaveLength(60);
    expect(rows.every((r) => r.processed_at !== null && r.attempts === 0)).toBe(true);
    expect(rows.every((r) => r.claims === 1)).toBe(true);
    const messages = await inboundRows(t, c.id);
    expect(messages).toHaveLength(60);
    expect(new Set(messages.map((m) => m.provider_message_id))).toEqual(new Set(sids));
  });

  it('settles the other chunks of a batch while one chunk waits on a lock', async () => {
    // A patient whose conversation row another transaction holds: the chunk with their text
    // waits for it. The rest of the batch (30 texts: three chunks of 10) must not wait too.
    const held = uniquePhone();
    await postInbound(held, 'hello').expect(200);
    const processor = t.app.get(InboxProcessor);
    await processor.drain();
    const runner = t.ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let draining: Promise<number> | undefined;
    try {
      const locked: unknown[] = await runner.query(
        `SELECT 1 FROM conversations WHERE clinic_id = $1 AND patient_phone = $2 FOR UPDATE`,
        [c.id, held],
      );
      expect(locked).toHaveLength(1);
      await postInbound(held, 'C').expect(200);
      for (let i = 0; i < 29; i += 1) await postInbound(uniquePhone(), `m${i}`).expect(200);
      draining = processor.drain();
      const deadline = Date.now() + 15_000;
      while ((await inboundRows(t, c.id)).length < 21 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The first text, and the 20 of the two chunks that did not wait on the lock.
      expect((await inboundRows(t, c.id)).length).toBeGreaterThanOrEqual(21);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
      await draining;
    }
    await processor.drain();
    expect(await inboundRows(t, c.id)).toHaveLength(31);
  });

  it('processes a patient’s texts in the order received', async () => {
    const phone = uniquePhone();
    const sids = Array.from({ length: 8 }, () => twilioSid());
    for (const [i, sid] of sids.entries()) await postInbound(phone, `m${i}`, sid).expect(200);
    const processed: { provider_message_id: string }[] = [];
    const processor = t.app.get(InboxProcessor);
    // Each pass may take only the oldest open event of the conversation.
    for (let i = 0; i < 8; i += 1) {
      await processor.runOnce();
      const rows: { provider_message_id: string }[] = await t.ds.query(
        `SELECT provider_message_id FROM messages WHERE clinic_id = $1 AND direction = 'inbound'
         ORDER BY created_at, id`,
        [c.id],
      );
      processed.splice(0, processed.length, ...rows);
      expect(processed.length).toBe(i + 1);
    }
    const order: { event_key: string }[] = await t.ds.query(
      `SELECT event_key FROM webhook_inbox WHERE clinic_id = $1 ORDER BY processed_at, id`,
      [c.id],
    );
    expect(order.map((r) => r.event_key)).toEqual(sids);
  });

  it('forgets processed events after seven days; a late replay still changes nothing', async () => {
    const sid = twilioSid();
    const from = uniquePhone();
    await postInbound(from, 'C', sid).expect(200);
    const processor = t.app.get(InboxProcessor);
    await processor.work();
    expect(await inboxRows(t, c.id)).toHaveLength(1);

    t.clock.advance(8 * 24 * 3600_000);
    await processor.work();
    expect(await inboxRows(t, c.id)).toEqual([]);
    await postInbound(from, 'C', sid).expect(200);
    await processor.work();
    expect(await inboundRows(t, c.id)).toHaveLength(1);
  });
});

describe('webhook inbox loop', () => {
  it('processes acknowledged webhooks on its own when INBOX_INTERVAL_MS is set', async () => {
    const t = await startTestApp({ env: { INBOX_INTERVAL_MS: '20' } });
    try {
      const sender = uniquePhone();
      const c = await createClinic(t, {
        senderNumber: sender,
        provider: { type: 'twilio', accountSid: 'AC-loop', authToken: AUTH_TOKEN },
      });
      const params = { MessageSid: twilioSid(), From: uniquePhone(), To: sender, Body: 'C' };
      await postSignedTwilio(t, AUTH_TOKEN, INBOUND, params);
      const deadline = Date.now() + 5_000;
      while ((await messageRows(t, c.id)).length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await inboundRows(t, c.id)).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});

describe('webhook inbox with a failing conversation handler', () => {
  class FlakyHandler extends InboundMessageHandler {
    failing = true;
    handled: string[] = [];
    begin(_m: EntityManager, texts: InboundText[]): Promise<InboundBatch> {
      return Promise.resolve({
        links: texts.map(() => ({ patientId: null, appointmentId: null })),
        add: (index: number) => {
          const { body } = texts[index];
          if (this.failing && body === 'BOOM') {
            return Promise.reject(new Error('handler failed for this message'));
          }
          this.handled.push(body);
          return Promise.resolve();
        },
        finish: () => Promise.resolve(),
        abandon: () => undefined,
      });
    }
  }

  /** A clinic on Twilio in the app `t`, and a signed inbound text to it. */
  async function clinicWithText(t: TestApp, accountSid: string, body: string) {
    const sender = uniquePhone();
    const c = await createClinic(t, {
      senderNumber: sender,
      provider: { type: 'twilio', accountSid, authToken: AUTH_TOKEN },
    });
    const params = { MessageSid: twilioSid(), From: uniquePhone(), To: sender, Body: body };
    await postSignedTwilio(t, AUTH_TOKEN, INBOUND, params);
    return c;
  }

  it('keeps an event that keeps failing as dead, counted on /metrics and logged with its id', async () => {
    const handler = new FlakyHandler();
    const t = await startTestApp({
      override: (b) => b.overrideProvider(InboundMessageHandler).useValue(handler),
    });
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const c = await clinicWithText(t, 'AC-dead', 'BOOM');
      const processor = t.app.get(InboxProcessor);
      for (let attempt = 1; attempt <= 8; attempt += 1) {
        await processor.drain();
        t.clock.advance(10 * 60_000);
      }
      const [dead] = await inboxRows(t, c.id);
      expect(dead.processed_at).toBeNull();
      expect(dead.failed_at).not.toBeNull();
      expect(dead).toMatchObject({ attempts: 8, last_error: 'handler failed for this message' });
      // Dead: never claimed again.
      t.clock.advance(24 * 3600_000);
      expect(await processor.drain()).toBe(0);
      const metrics = await t.http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(
        /turnout_webhook_inbox_settled_total\{kind="inbound",outcome="dead"\} 1/,
      );
      expect(logged).toHaveBeenCalledWith(expect.stringContaining(`inbox event ${dead.id} `));
    } finally {
      logged.mockRestore();
      await t.close();
    }
  });

  it('counts failures, not claims: an event whose processors were killed 10 times fails once and is retried', async () => {
    const handler = new FlakyHandler();
    const t = await startTestApp({
      override: (b) => b.overrideProvider(InboundMessageHandler).useValue(handler),
    });
    try {
      const c = await clinicWithText(t, 'AC-killed', 'BOOM');
      // Ten claims lost to killed processors: more than the 8 failed attempts that make it dead.
      const inbox = t.app.get(InboxRepository);
      for (let i = 0; i < 10; i += 1) {
        const now = t.clock.now();
        await inbox.claim(now, new Date(now.getTime() + 30_000), 1000, 'killed-processor');
        t.clock.advance(30_000);
      }
      const processor = t.app.get(InboxProcessor);
      await processor.drain();
      // Its first failure: retried after the first step of the backoff, not dead.
      const [failed] = await inboxRows(t, c.id);
      expect(failed).toMatchObject({
        claims: 11,
        attempts: 1,
        failed_at: null,
        processed_at: null,
      });
      expect(failed.run_at.getTime() - t.clock.now().getTime()).toBe(1_000);

      handler.failing = false;
      t.clock.advance(1_000);
      await processor.drain();
      // Its second attempt, counted before it ran (as every attempt of an event a processor
      // died holding), went through.
      const [row] = await inboxRows(t, c.id);
      expect(row).toMatchObject({ claims: 12, attempts: 2, failed_at: null });
      expect(row.processed_at).not.toBeNull();
      expect((await messageRows(t, c.id)).map((m) => m.body)).toEqual(['BOOM']);
    } finally {
      await t.close();
    }
  });

  it('retries only the failing event, with its message rolled back; the rest go through', async () => {
    const handler = new FlakyHandler();
    const t = await startTestApp({
      override: (b) => b.overrideProvider(InboundMessageHandler).useValue(handler),
    });
    try {
      const sender = uniquePhone();
      const c = await createClinic(t, {
        senderNumber: sender,
        provider: { type: 'twilio', accountSid: 'AC-flaky', authToken: AUTH_TOKEN },
      });
      for (const body of ['first', 'BOOM', 'last']) {
        const params = { MessageSid: twilioSid(), From: uniquePhone(), To: sender, Body: body };
        await postSignedTwilio(t, AUTH_TOKEN, INBOUND, params);
      }
      const processor = t.app.get(InboxProcessor);
      await processor.drain();
      // The batch was redone one event at a time after the failure, so the handler may see a
      // message twice; only what it did through the transaction counts, and that is once.
      expect(new Set(handler.handled)).toEqual(new Set(['first', 'last']));
      expect((await messageRows(t, c.id)).map((m) => m.body).sort()).toEqual(['first', 'last']);
      const boom = (await inboxRows(t, c.id)).find((r) => r.processed_at === null);
      expect(boom).toMatchObject({ attempts: 1, last_error: 'handler failed for this message' });

      handler.failing = false;
      t.clock.advance(1_000);
      await processor.drain();
      expect(new Set(handler.handled)).toEqual(new Set(['BOOM', 'first', 'last']));
      expect(await messageRows(t, c.id)).toHaveLength(3);
      expect((await inboxRows(t, c.id)).every((r) => r.processed_at !== null)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
