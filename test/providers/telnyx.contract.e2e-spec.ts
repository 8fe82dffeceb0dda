import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { TelnyxProvider } from '../../src/messaging/providers/telnyx.provider';
import {
  MalformedWebhookError,
  OutboundSms,
  ProviderError,
  TelnyxCredentials,
  WebhookRequest,
} from '../../src/messaging/providers/sms-provider.port';
import { FakeTelnyxServer } from '../support/fake-telnyx.server';

/** Telnyx shows the raw 32-byte key; it is the tail of the SPKI DER encoding. */
function rawPublicKeyBase64(key: KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}

const keys = generateKeyPairSync('ed25519');
const otherKeys = generateKeyPairSync('ed25519');
const CREDENTIALS: TelnyxCredentials = {
  apiKey: 'KEY0123456789ABCDEF_secretpart',
  publicKey: rawPublicKeyBase64(keys.publicKey),
};
const MESSAGE: OutboundSms = {
  to: '+13125550123',
  from: '+13125550100',
  body: 'Lakeside Dental: your cleaning is Tue Dec 1 at 9:30. Reply C to confirm, R to reschedule.',
  statusCallbackUrl: 'https://turnout.example/webhooks/telnyx',
  validitySeconds: 3600,
};
const NOW = new Date('2026-11-26T15:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

async function sendError(provider: TelnyxProvider, message = MESSAGE): Promise<ProviderError> {
  const error: unknown = await provider.send(CREDENTIALS, message).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('TelnyxProvider against a fake api.telnyx.com', () => {
  let server: FakeTelnyxServer;
  let provider: TelnyxProvider;

  beforeEach(async () => {
    server = await FakeTelnyxServer.start(CREDENTIALS.apiKey);
    provider = new TelnyxProvider(server.baseUrl, 2000);
  });
  afterEach(() => server.stop());

  it('posts JSON with a Bearer key and returns data.id, to[0].status and parts', async () => {
    const result = await provider.send(CREDENTIALS, MESSAGE);

    expect(result).toEqual({
      providerMessageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'queued',
      segments: 1,
    });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v2/messages');
    expect(request.headers.authorization).toBe(`Bearer ${CREDENTIALS.apiKey}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({
      from: '+13125550100',
      to: '+13125550123',
      text: MESSAGE.body,
      webhook_url: 'https://turnout.example/webhooks/telnyx',
    });
  });

  it('reports the parts Telnyx bills for a long UCS-2 message', async () => {
    const result = await provider.send(CREDENTIALS, {
      ...MESSAGE,
      body: '¿Confirma su cita? 😀'.repeat(5),
    });
    expect(result.segments).toBe(2);
  });

  it('maps a STOP block (40300) to opted_out', async () => {
    server.enqueue({
      type: 'error',
      httpStatus: 400,
      code: '40300',
      title: 'Blocked due to STOP message',
      detail: 'The recipient has opted out.',
    });
    expect(await sendError(provider)).toMatchObject({
      kind: 'opted_out',
      code: '40300',
      httpStatus: 400,
    });
  });

  it('maps other 4xx to permanent with the code', async () => {
    server.enqueue({
      type: 'error',
      httpStatus: 422,
      code: '40310',
      title: 'Invalid destination number',
    });
    expect(await sendError(provider)).toMatchObject({
      kind: 'permanent',
      code: '40310',
      httpStatus: 422,
    });
  });

  it('answers a wrong key with 10009, a permanent error that does not echo the key', async () => {
    const error: unknown = await provider
      .send({ ...CREDENTIALS, apiKey: 'KEYwrong' }, MESSAGE)
      .catch((reason: unknown) => reason);
    expect(error).toMatchObject({ kind: 'permanent', code: '10009', httpStatus: 401 });
    expect(String((error as Error).message)).not.toContain('KEYwrong');
  });

  it('types a 429 (code 10011) as rate_limited with Retry-After in ms, then a second call succeeds', async () => {
    server.enqueue(
      {
        type: 'error',
        httpStatus: 429,
        code: '10011',
        title: 'Too many requests',
        headers: { 'Retry-After': '3' },
      },
      { type: 'accept' },
    );
    expect(await sendError(provider)).toMatchObject({
      kind: 'rate_limited',
      code: '10011',
      retryAfterMs: 3000,
    });
    await expect(provider.send(CREDENTIALS, MESSAGE)).resolves.toMatchObject({ status: 'queued' });
    expect(server.requests).toHaveLength(2);
  });

  it('types a 5xx as transient, then a second call succeeds', async () => {
    server.enqueue(
      { type: 'error', httpStatus: 503, code: '10007', title: 'Unexpected error' },
      { type: 'accept' },
    );
    expect(await sendError(provider)).toMatchObject({ kind: 'transient', httpStatus: 503 });
    await expect(provider.send(CREDENTIALS, MESSAGE)).resolves.toMatchObject({ segments: 1 });
  });

  it('treats a 2xx without data.id as permanent, so the text is not sent twice', async () => {
    server.enqueue({
      type: 'raw',
      httpStatus: 200,
      contentType: 'application/json',
      body: '{"data":{}}',
    });
    expect(await sendError(provider)).toMatchObject({ kind: 'permanent', code: 'bad_response' });
  });

  it('gives up on a hanging request at the adapter timeout, as a transient error', async () => {
    server.enqueue({ type: 'hang' });
    const started = Date.now();
    const error = await sendError(new TelnyxProvider(server.baseUrl, 150));
    expect(error).toMatchObject({ kind: 'transient', code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('TelnyxProvider webhooks', () => {
  const provider = new TelnyxProvider('https://api.telnyx.com', 1000);
  const url = 'https://turnout.example/webhooks/telnyx';
  const MESSAGE_ID = '40385f64-5717-4562-b3fc-2c963f66afa6';
  const EVENT_ID = 'b301ed3f-1490-491f-995f-6e64e69674d4';

  function event(eventType: string, payload: Record<string, unknown>): Record<string, unknown> {
    return {
      data: {
        event_type: eventType,
        id: EVENT_ID,
        occurred_at: '2026-11-26T15:00:00.000+00:00',
        payload,
        record_type: 'event',
      },
      meta: { attempt: 1, delivered_to: url },
    };
  }

  const inbound = event('message.received', {
    id: MESSAGE_ID,
    record_type: 'message',
    direction: 'inbound',
    type: 'SMS',
    from: { phone_number: '+13125550123', carrier: 'T-Mobile USA', line_type: 'Wireless' },
    to: [
      {
        phone_number: '+13125550100',
        status: 'webhook_delivered',
        carrier: 'Telnyx',
        line_type: 'Wireless',
      },
    ],
    text: 'Sí',
    parts: 1,
    encoding: 'UCS-2',
  });

  function finalized(status: string, errors: unknown[] = [], eventType = 'message.finalized') {
    return event(eventType, {
      id: MESSAGE_ID,
      record_type: 'message',
      direction: 'outbound',
      from: { phone_number: '+13125550100', carrier: 'Telnyx', line_type: 'Wireless' },
      to: [
        {
          phone_number: '+13125550123',
          status,
          carrier: 'T-MOBILE USA, INC.',
          line_type: 'Wireless',
        },
      ],
      text: 'Lakeside Dental: ...',
      errors,
    });
  }

  function unsigned(body: unknown): WebhookRequest {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return { url, headers: { 'content-type': 'application/json' }, rawBody: Buffer.from(raw) };
  }

  function signed(
    body: unknown,
    timestamp = String(NOW_SECONDS),
    key = keys.privateKey,
  ): WebhookRequest {
    const request = unsigned(body);
    const signature = sign(null, Buffer.from(`${timestamp}|${request.rawBody.toString()}`), key);
    request.headers['telnyx-signature-ed25519'] = signature.toString('base64');
    request.headers['telnyx-timestamp'] = timestamp;
    return request;
  }

  describe('parseWebhook', () => {
    it('parses message.received, keyed on the message id (payload.id), not the event id', () => {
      expect(provider.parseWebhook('inbound', unsigned(inbound))).toEqual({
        kind: 'inbound',
        message: {
          providerMessageId: MESSAGE_ID,
          from: '+13125550123',
          to: '+13125550100',
          body: 'Sí',
        },
      });
    });

    it("keeps an MMS's media array as links, even without text", () => {
      const mms = event('message.received', {
        ...(inbound.data as { payload: Record<string, unknown> }).payload,
        type: 'MMS',
        text: '',
        media: [
          {
            url: 'https://media.telnyx.example/abc.jpg',
            content_type: 'image/jpeg',
            size: 1024,
            hash_sha256: 'ab',
          },
          { url: 'javascript:alert(1)', content_type: 'text/html' },
        ],
      });
      expect(provider.parseWebhook('inbound', unsigned(mms))).toEqual({
        kind: 'inbound',
        message: {
          providerMessageId: MESSAGE_ID,
          from: '+13125550123',
          to: '+13125550100',
          body: '',
          media: [{ url: 'https://media.telnyx.example/abc.jpg', contentType: 'image/jpeg' }],
        },
      });
    });

    it.each([
      ['message.sent', 'queued', 'queued'],
      ['message.sent', 'sending', 'queued'],
      ['message.sent', 'sent', 'sent'],
      ['message.finalized', 'delivered', 'delivered'],
      ['message.finalized', 'delivery_unconfirmed', 'sent'],
      ['message.finalized', 'delivery_failed', 'undelivered'],
      ['message.finalized', 'sending_failed', 'failed'],
    ])('maps %s with to[0].status %s to %s', (eventType, rawStatus, status) => {
      expect(
        provider.parseWebhook('status', unsigned(finalized(rawStatus, [], eventType))),
      ).toEqual({
        kind: 'status',
        update: {
          providerMessageId: MESSAGE_ID,
          status,
          rawStatus,
          errorCode: undefined,
          from: '+13125550100',
        },
      });
    });

    it('carries the first error code of a failed message', () => {
      const body = finalized('delivery_failed', [
        { code: '40008', title: 'Undeliverable', detail: '...' },
      ]);
      expect(provider.parseWebhook('status', unsigned(body))).toMatchObject({
        update: { status: 'undelivered', errorCode: '40008' },
      });
    });

    it('ignores other events and outbound echoes of message.received', () => {
      expect(
        provider.parseWebhook(
          'status',
          unsigned(event('message.unknown_future_event', { id: 'x' })),
        ).kind,
      ).toBe('ignored');
      const echo = event('message.received', {
        ...(inbound.data as { payload: object }).payload,
        direction: 'outbound',
      });
      expect(provider.parseWebhook('inbound', unsigned(echo)).kind).toBe('ignored');
      expect(provider.parseWebhook('status', unsigned(finalized('webhook_delivered'))).kind).toBe(
        'ignored',
      );
    });

    it.each([
      ['not JSON', 'MessageSid=SM1&From=+1'],
      ['no data', { meta: {} }],
      ['no event_type', { data: { id: EVENT_ID, payload: {} } }],
      ['no payload', { data: { event_type: 'message.received', id: EVENT_ID } }],
      [
        'an inbound message without from',
        event('message.received', {
          id: MESSAGE_ID,
          direction: 'inbound',
          to: [{ phone_number: '+13125550100' }],
          text: 'C',
        }),
      ],
      [
        'an inbound message without id',
        event('message.received', {
          direction: 'inbound',
          from: { phone_number: '+13125550123' },
          to: [{ phone_number: '+13125550100' }],
          text: 'C',
        }),
      ],
      [
        'a status event without to[0].status',
        event('message.finalized', { id: MESSAGE_ID, to: [] }),
      ],
    ])('rejects a body with %s as malformed', (_name, body) => {
      expect(() => provider.parseWebhook('inbound', unsigned(body))).toThrow(MalformedWebhookError);
    });
  });

  describe('verifyWebhook', () => {
    it('accepts a valid signature over "timestamp|raw body"', () => {
      expect(provider.verifyWebhook(CREDENTIALS, signed(inbound), NOW)).toBe('ok');
    });

    it('accepts a timestamp up to 300 s away in either direction', () => {
      expect(
        provider.verifyWebhook(CREDENTIALS, signed(inbound, String(NOW_SECONDS - 300)), NOW),
      ).toBe('ok');
      expect(
        provider.verifyWebhook(CREDENTIALS, signed(inbound, String(NOW_SECONDS + 300)), NOW),
      ).toBe('ok');
    });

    it('reports a missing signature or timestamp as missing', () => {
      const request = signed(inbound);
      const { 'telnyx-signature-ed25519': _signature, ...noSignature } = request.headers;
      const { 'telnyx-timestamp': _timestamp, ...noTimestamp } = request.headers;
      expect(provider.verifyWebhook(CREDENTIALS, { ...request, headers: noSignature }, NOW)).toBe(
        'missing',
      );
      expect(provider.verifyWebhook(CREDENTIALS, { ...request, headers: noTimestamp }, NOW)).toBe(
        'missing',
      );
    });

    it('reports a signature from another key as invalid', () => {
      expect(
        provider.verifyWebhook(CREDENTIALS, signed(inbound, undefined, otherKeys.privateKey), NOW),
      ).toBe('invalid');
    });

    it('reports a tampered body as invalid', () => {
      const request = signed(inbound);
      const tampered = {
        ...request,
        rawBody: Buffer.from(request.rawBody.toString().replace('Sí', 'No')),
      };
      expect(provider.verifyWebhook(CREDENTIALS, tampered, NOW)).toBe('invalid');
    });

    it('reports a signature whose timestamp was swapped as invalid', () => {
      const request = signed(inbound);
      const headers = { ...request.headers, 'telnyx-timestamp': String(NOW_SECONDS - 1) };
      expect(provider.verifyWebhook(CREDENTIALS, { ...request, headers }, NOW)).toBe('invalid');
    });

    it('reports a stale (or future) timestamp beyond 300 s as invalid, even when correctly signed', () => {
      expect(
        provider.verifyWebhook(CREDENTIALS, signed(inbound, String(NOW_SECONDS - 301)), NOW),
      ).toBe('invalid');
      expect(
        provider.verifyWebhook(CREDENTIALS, signed(inbound, String(NOW_SECONDS + 301)), NOW),
      ).toBe('invalid');
    });

    it('reports a non-numeric timestamp as invalid', () => {
      expect(provider.verifyWebhook(CREDENTIALS, signed(inbound, '1764169200.5'), NOW)).toBe(
        'invalid',
      );
    });

    it('reports a garbage signature as invalid', () => {
      const request = signed(inbound);
      const headers = { ...request.headers, 'telnyx-signature-ed25519': 'not base64 at all!' };
      expect(provider.verifyWebhook(CREDENTIALS, { ...request, headers }, NOW)).toBe('invalid');
    });

    it.each([
      ['empty', ''],
      ['not base64', 'this is not a key'],
      ['31 bytes', Buffer.alloc(31, 7).toString('base64')],
      ['33 bytes', Buffer.alloc(33, 7).toString('base64')],
      ['a PEM key', keys.publicKey.export({ format: 'pem', type: 'spki' }).toString()],
    ])('reports a malformed public key (%s) as invalid without throwing', (_name, publicKey) => {
      expect(provider.verifyWebhook({ ...CREDENTIALS, publicKey }, signed(inbound), NOW)).toBe(
        'invalid',
      );
    });

    it('reports invalid when the clinic has no public key at all', () => {
      expect(provider.verifyWebhook({}, signed(inbound), NOW)).toBe('invalid');
    });
  });
});
