import { createClinic, type TestClinic } from '../support/factories';
import {
  flowrouteInbound,
  telnyxInbound,
  twilioInbound,
  type WebhookCall,
  type WireMedia,
} from '../support/provider-webhooks';
import { startTestApp, TestApp } from '../support/test-app';
import { createAppointment, processInbox, telnyxKeys } from '../support/webhooks';

const PHOTO: WireMedia = {
  url: 'https://media.example/insurance-card.jpg',
  contentType: 'image/jpeg',
};
const TOKEN = 'media-twilio-token';

describe('MMS: media on inbound texts, kept as links and shown in the thread', () => {
  let t: TestApp;
  const keys = telnyxKeys();

  beforeAll(async () => {
    t = await startTestApp();
    t.clock.set('2026-11-25T21:00:00Z');
  });
  afterAll(() => t.close());

  async function post(call: WebhookCall): Promise<void> {
    await t.http
      .post(call.path)
      .set('Content-Type', call.contentType)
      .set(call.headers)
      .send(call.body)
      .expect((res) => {
        if (res.status >= 300) throw new Error(`${call.path}: ${res.status} ${res.text}`);
      });
    await processInbox(t);
  }

  const providers: [
    string,
    Record<string, unknown>,
    (c: TestClinic, from: string) => WebhookCall,
  ][] = [
    [
      'twilio',
      { type: 'twilio', accountSid: `AC${'2'.repeat(32)}`, authToken: TOKEN },
      (c, from) =>
        twilioInbound(TOKEN, c.body.senderNumber as string, from, '', undefined, [PHOTO]),
    ],
    [
      'telnyx',
      { type: 'telnyx', apiKey: 'KEY-media', publicKey: keys.publicKey },
      (c, from) =>
        telnyxInbound(
          keys,
          Math.floor(t.clock.now().getTime() / 1000),
          c.body.senderNumber as string,
          from,
          '',
          undefined,
          [PHOTO],
        ),
    ],
    [
      'flowroute',
      { type: 'flowroute', accessKey: 'fr-access', secretKey: 'fr-secret' },
      (c, from) =>
        flowrouteInbound(
          new URL((c.body.webhooks as { inbound: string }).inbound).pathname,
          c.body.senderNumber as string,
          from,
          '',
          undefined,
          [PHOTO],
        ),
    ],
  ];

  it.each(providers)(
    '%s: a text with media and no body is stored, its media shown as links in the thread and the appointment',
    async (_name, provider, call) => {
      const c = await createClinic(t, { provider });
      const a = await createAppointment(t, c);
      await post(call(c, a.phone));

      const thread = await t.http
        .get(`/v1/conversations/${encodeURIComponent(a.phone)}`)
        .set(c.auth)
        .expect(200);
      const inbound = (thread.body.messages as Record<string, unknown>[]).filter(
        (m) => m.direction === 'inbound',
      );
      expect(inbound).toMatchObject([{ body: '', media: [PHOTO] }]);

      const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
      const texts = (view.body.messages as Record<string, unknown>[]).filter(
        (m) => m.direction === 'inbound',
      );
      expect(texts).toMatchObject([{ kind: 'inbound', body: '', media: [PHOTO] }]);
    },
  );

  it('a plain text has no media', async () => {
    const c = await createClinic(t, { provider: providers[0][1] });
    const a = await createAppointment(t, c);
    await post(twilioInbound(TOKEN, c.body.senderNumber as string, a.phone, 'C'));
    const view = await t.http.get(`/v1/appointments/${a.id}`).set(c.auth).expect(200);
    const texts = (view.body.messages as Record<string, unknown>[]).filter(
      (m) => m.direction === 'inbound',
    );
    expect(texts).toMatchObject([{ body: 'C', media: [] }]);
  });
});
