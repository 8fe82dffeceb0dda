import {
  isValidTwilioSignature,
  twilioSignature,
} from '../../src/messaging/providers/twilio-signature';
import { TwilioProvider } from '../../src/messaging/providers/twilio.provider';
import {
  MalformedWebhookError,
  OutboundSms,
  ProviderError,
  WebhookRequest,
} from '../../src/messaging/providers/sms-provider.port';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeTwilioServer } from '../support/fake-twilio.server';

const CREDENTIALS = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'tw-secret-token-9f8e',
};
const MESSAGE: OutboundSms = {
  to: '+13125550123',
  from: '+13125550100',
  body: 'Lakeside Dental: your cleaning is Tue Dec 1 at 9:30. Reply C to confirm, R to reschedule.',
  statusCallbackUrl: 'https://turnout.example/webhooks/twilio/status',
  validitySeconds: 3600,
};
const NOW = new Date('2026-11-26T15:00:00Z');

async function sendError(provider: TwilioProvider, message = MESSAGE): Promise<ProviderError> {
  const error: unknown = await provider.send(CREDENTIALS, message).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('TwilioProvider against a fake api.twilio.com', () => {
  let server: FakeTwilioServer;
  let provider: TwilioProvider;

  beforeEach(async () => {
    server = await FakeTwilioServer.start(CREDENTIALS);
    provider = new TwilioProvider(`${server.baseUrl}/`, 2000);
  });
  afterEach(() => server.stop());

  it('posts a form-encoded message with Basic auth and returns sid, status and segments', async () => {
    const result = await provider.send(CREDENTIALS, MESSAGE);

    expect(result).toEqual({
      providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'queued',
      segments: 1,
    });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${CREDENTIALS.accountSid}/Messages.json`);
    const basic = Buffer.from(`${CREDENTIALS.accountSid}:${CREDENTIALS.authToken}`).toString(
      'base64',
    );
    expect(request.headers.authorization).toBe(`Basic ${basic}`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      To: '+13125550123',
      From: '+13125550100',
      Body: MESSAGE.body,
      StatusCallback: 'https://turnout.example/webhooks/twilio/status',
      ValidityPeriod: '3600',
    });
  });

  it('keeps connections alive: ten sends one after another reuse the same connections', async () => {
    for (let i = 0; i < 10; i++) await provider.send(CREDENTIALS, MESSAGE);
    expect(server.requests).toHaveLength(10);
    // undici hands the second request a new socket while the first one is being released, then
    // alternates between the two; without keep-alive there would be ten.
    expect(server.connections).toBeLessThanOrEqual(2);
  });

  it('reads num_segments (a string on the wire) as a number', async () => {
    const result = await provider.send(CREDENTIALS, { ...MESSAGE, body: 'a'.repeat(161) });
    expect(result.segments).toBe(2);
  });

  it('clamps ValidityPeriod into the 1..36000 s Twilio accepts and omits optional fields', async () => {
    await provider.send(CREDENTIALS, { ...MESSAGE, validitySeconds: 86400 });
    await provider.send(CREDENTIALS, { to: MESSAGE.to, from: MESSAGE.from, body: 'x' });
    const [first, second] = server.requests.map((r) => new URLSearchParams(r.body));
    expect(first.get('ValidityPeriod')).toBe('36000');
    expect([...second.keys()]).toEqual(['To', 'From', 'Body']);
  });

  it('maps an invalid To number (21211) to a permanent error carrying the code', async () => {
    server.enqueue({
      type: 'error',
      httpStatus: 400,
      code: 21211,
      message: "The 'To' number +13125550123 is not a valid phone number.",
    });
    const error = await sendError(provider);
    expect(error).toMatchObject({ kind: 'permanent', code: '21211', httpStatus: 400 });
  });

  it('maps other 4xx codes (21614, 21408) to permanent', async () => {
    server.enqueue(
      {
        type: 'error',
        httpStatus: 400,
        code: 21614,
        message: "'To' number is not a valid mobile number",
      },
      {
        type: 'error',
        httpStatus: 400,
        code: 21408,
        message: 'Permission to send an SMS has not been enabled for the region',
      },
    );
    expect(await sendError(provider)).toMatchObject({ kind: 'permanent', code: '21614' });
    expect(await sendError(provider)).toMatchObject({ kind: 'permanent', code: '21408' });
  });

  it('maps an unsubscribed recipient (21610) to opted_out', async () => {
    server.enqueue({
      type: 'error',
      httpStatus: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
    });
    expect(await sendError(provider)).toMatchObject({ kind: 'opted_out', code: '21610' });
  });

  it('maps a full From queue (21611) to transient', async () => {
    server.enqueue({
      type: 'error',
      httpStatus: 400,
      code: 21611,
      message: 'This From phone number has exceeded the maximum number of queued messages',
    });
    expect(await sendError(provider)).toMatchObject({ kind: 'transient', code: '21611' });
  });

  it('answers wrong credentials with 20003, a permanent error that does not echo the token', async () => {
    const error: unknown = await provider
      .send({ ...CREDENTIALS, authToken: 'wrong-token' }, MESSAGE)
      .catch((reason: unknown) => reason);
    expect(error).toMatchObject({ kind: 'permanent', code: '20003', httpStatus: 401 });
    expect(String((error as Error).message)).not.toContain('wrong-token');
  });

  it('refuses to send without credentials, before touching the network', async () => {
    const error: unknown = await provider.send({}, MESSAGE).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ kind: 'permanent' });
    expect(server.requests).toHaveLength(0);
  });

  it('types a 429 as rate_limited with Retry-After in ms, then a second call succeeds', async () => {
    server.enqueue(
      {
        type: 'error',
        httpStatus: 429,
        code: 20429,
        message: 'Too Many Requests',
        headers: { 'Retry-After': '2' },
      },
      { type: 'accept' },
    );
    expect(await sendError(provider)).toMatchObject({
      kind: 'rate_limited',
      code: '20429',
      retryAfterMs: 2000,
      httpStatus: 429,
    });
    await expect(provider.send(CREDENTIALS, MESSAGE)).resolves.toMatchObject({ status: 'queued' });
    expect(server.requests).toHaveLength(2);
  });

  it('reads an HTTP-date Retry-After against the response Date header', async () => {
    server.enqueue({
      type: 'error',
      httpStatus: 429,
      code: 20429,
      message: 'Too Many Requests',
      headers: {
        Date: 'Thu, 26 Nov 2026 15:00:00 GMT',
        'Retry-After': 'Thu, 26 Nov 2026 15:00:30 GMT',
      },
    });
    expect(await sendError(provider)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 30000 });
  });

  it('treats code 20429 as rate_limited even without HTTP 429', async () => {
    server.enqueue({ type: 'error', httpStatus: 400, code: 20429, message: 'Too Many Requests' });
    const error = await sendError(provider);
    expect(error).toMatchObject({ kind: 'rate_limited', code: '20429' });
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('types a 5xx as transient, then a second call succeeds', async () => {
    server.enqueue(
      { type: 'error', httpStatus: 500, code: 20500, message: 'Internal Server Error' },
      { type: 'accept' },
    );
    expect(await sendError(provider)).toMatchObject({ kind: 'transient', httpStatus: 500 });
    await expect(provider.send(CREDENTIALS, MESSAGE)).resolves.toMatchObject({ segments: 1 });
  });

  it('types a non-JSON 502 from a proxy as transient', async () => {
    server.enqueue({
      type: 'raw',
      httpStatus: 502,
      contentType: 'text/html',
      body: '<html>Bad Gateway</html>',
    });
    expect(await sendError(provider)).toMatchObject({ kind: 'transient', httpStatus: 502 });
  });

  it('treats a 2xx without a sid as permanent, so the text is not sent twice', async () => {
    server.enqueue({ type: 'raw', httpStatus: 201, contentType: 'application/json', body: '{}' });
    expect(await sendError(provider)).toMatchObject({ kind: 'permanent', code: 'bad_response' });
  });

  it('gives up on a hanging request at the adapter timeout, as a transient error', async () => {
    server.enqueue({ type: 'hang' });
    const started = Date.now();
    const error = await sendError(new TwilioProvider(server.baseUrl, 150));
    expect(error).toMatchObject({ kind: 'transient', code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up on a response that stalls after its headers, at the same timeout', async () => {
    // Headers and part of a body, then nothing: the deadline covers the whole exchange.
    const stalling = createServer((_req, res) => {
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.write('{"sid": "SM');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const { port } = stalling.address() as AddressInfo;
    try {
      const started = Date.now();
      const error = await sendError(new TwilioProvider(`http://127.0.0.1:${port}`, 150));
      expect(error).toMatchObject({ kind: 'transient', code: 'timeout' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      stalling.closeAllConnections();
      await new Promise<void>((resolve) => stalling.close(() => resolve()));
    }
  });

  it('types a refused connection as transient', async () => {
    const baseUrl = server.baseUrl;
    await server.stop();
    server = await FakeTwilioServer.start(CREDENTIALS);
    const error = await sendError(new TwilioProvider(baseUrl, 1000));
    expect(error).toMatchObject({ kind: 'transient', code: 'network' });
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('Twilio request validator (published vector)', () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  };

  it('reproduces the reference test vector', () => {
    expect(twilioSignature('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(isValidTwilioSignature('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', url, params)).toBe(true);
  });

  it('accepts the reference vector through the adapter, from a form-encoded body', () => {
    const provider = new TwilioProvider('https://api.twilio.com', 1000);
    const request: WebhookRequest = {
      url,
      headers: { 'x-twilio-signature': '0/KCTR6DLpKmkAf8muzZqo1nDgQ=' },
      rawBody: Buffer.from(new URLSearchParams(params).toString()),
    };
    expect(provider.verifyWebhook({ accountSid: 'AC1', authToken: '12345' }, request, NOW)).toBe(
      'ok',
    );
  });
});

describe('TwilioProvider webhooks', () => {
  const provider = new TwilioProvider('https://api.twilio.com', 1000);
  const inboundUrl = 'https://turnout.example/webhooks/twilio/inbound';

  /** What Twilio posts, with the extra parameters it adds that we never read. */
  const inboundParams = {
    ToCountry: 'US',
    SmsMessageSid: 'SM0123456789abcdef0123456789abcdef',
    NumMedia: '0',
    FromCity: 'CHICAGO',
    SmsSid: 'SM0123456789abcdef0123456789abcdef',
    MessageSid: 'SM0123456789abcdef0123456789abcdef',
    AccountSid: CREDENTIALS.accountSid,
    From: '+13125550123',
    To: '+13125550100',
    Body: 'C ',
    NumSegments: '1',
    OptOutType: '',
    ApiVersion: '2010-04-01',
    SomeFutureParam: 'added without notice',
  };

  function form(
    params: Record<string, string>,
    signature?: string,
    url = inboundUrl,
  ): WebhookRequest {
    const headers: WebhookRequest['headers'] = {
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (signature !== undefined) headers['x-twilio-signature'] = signature;
    return { url, headers, rawBody: Buffer.from(new URLSearchParams(params).toString()) };
  }

  function signed(
    params: Record<string, string>,
    token = CREDENTIALS.authToken,
    url = inboundUrl,
  ): WebhookRequest {
    return form(params, twilioSignature(token, url, params), url);
  }

  describe('parseWebhook', () => {
    it('parses an inbound message, ignoring parameters it does not know', () => {
      expect(provider.parseWebhook('inbound', form(inboundParams))).toEqual({
        kind: 'inbound',
        message: {
          providerMessageId: 'SM0123456789abcdef0123456789abcdef',
          from: '+13125550123',
          to: '+13125550100',
          body: 'C ',
        },
      });
    });

    it("keeps an MMS's media (NumMedia, MediaUrlN, MediaContentTypeN) as links, even without a body", () => {
      const mms = {
        ...inboundParams,
        Body: '',
        NumMedia: '2',
        MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME0',
        MediaContentType0: 'image/jpeg',
        MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
        MediaContentType1: 'application/pdf',
      };
      expect(provider.parseWebhook('inbound', form(mms))).toEqual({
        kind: 'inbound',
        message: {
          providerMessageId: 'SM0123456789abcdef0123456789abcdef',
          from: '+13125550123',
          to: '+13125550100',
          body: '',
          media: [
            { url: mms.MediaUrl0, contentType: 'image/jpeg' },
            { url: mms.MediaUrl1, contentType: 'application/pdf' },
          ],
        },
      });
    });

    it('decodes form encoding in the body (+ and %-escapes)', () => {
      const request: WebhookRequest = {
        url: inboundUrl,
        headers: {},
        rawBody: Buffer.from(
          'MessageSid=SM1&From=%2B13125550123&To=%2B13125550100&Body=s%C3%AD+gracias',
        ),
      };
      expect(provider.parseWebhook('inbound', request)).toMatchObject({
        message: { body: 'sí gracias', from: '+13125550123' },
      });
    });

    it.each([
      ['accepted', 'queued'],
      ['scheduled', 'queued'],
      ['queued', 'queued'],
      ['sending', 'queued'],
      ['sent', 'sent'],
      ['delivered', 'delivered'],
      ['read', 'delivered'],
      ['undelivered', 'undelivered'],
      ['failed', 'failed'],
      ['canceled', 'failed'],
    ])('maps status %s to %s', (rawStatus, status) => {
      const params = {
        MessageSid: 'SM1',
        MessageStatus: rawStatus,
        From: '+13125550100',
        To: '+13125550123',
        AccountSid: 'AC1',
      };
      expect(provider.parseWebhook('status', form(params))).toEqual({
        kind: 'status',
        update: {
          providerMessageId: 'SM1',
          status,
          rawStatus,
          errorCode: undefined,
          from: '+13125550100',
        },
      });
    });

    it('carries ErrorCode on a failed delivery', () => {
      const params = {
        MessageSid: 'SM1',
        MessageStatus: 'undelivered',
        ErrorCode: '30007',
        From: '+13125550100',
        To: '+13125550123',
        RawDlrDoneDate: '2611261504',
      };
      expect(provider.parseWebhook('status', form(params))).toMatchObject({
        update: { status: 'undelivered', errorCode: '30007' },
      });
    });

    it('acknowledges statuses it does not act on', () => {
      const params = {
        MessageSid: 'SM1',
        MessageStatus: 'partially_delivered',
        From: '+13125550100',
        To: '+13125550123',
      };
      expect(provider.parseWebhook('status', form(params)).kind).toBe('ignored');
    });

    it.each([
      ['no MessageSid', 'inbound', { From: '+13125550123', To: '+13125550100', Body: 'C' }],
      ['no From', 'inbound', { MessageSid: 'SM1', To: '+13125550100', Body: 'C' }],
      ['no To', 'inbound', { MessageSid: 'SM1', From: '+13125550123', Body: 'C' }],
      [
        'no MessageStatus',
        'status',
        { MessageSid: 'SM1', From: '+13125550100', To: '+13125550123' },
      ],
    ] as const)('rejects a body with %s as malformed', (_name, kind, params) => {
      expect(() => provider.parseWebhook(kind, form(params))).toThrow(MalformedWebhookError);
    });

    it('rejects a body that is not form-encoded as malformed', () => {
      const request: WebhookRequest = {
        url: inboundUrl,
        headers: { 'content-type': 'application/json' },
        rawBody: Buffer.from(JSON.stringify({ MessageSid: 'SM1', From: '+1312', To: '+1312' })),
      };
      expect(() => provider.parseWebhook('inbound', request)).toThrow(MalformedWebhookError);
      const garbage: WebhookRequest = {
        url: inboundUrl,
        headers: {},
        rawBody: Buffer.from('{"MessageSid":"SM1"}'),
      };
      expect(() => provider.parseWebhook('inbound', garbage)).toThrow(MalformedWebhookError);
    });
  });

  describe('verifyWebhook', () => {
    it('accepts a valid signature over the public URL and every posted parameter', () => {
      expect(provider.verifyWebhook(CREDENTIALS, signed(inboundParams), NOW)).toBe('ok');
    });

    it('accepts the URL with or without the default port, as the official validator does', () => {
      const request = signed(
        inboundParams,
        CREDENTIALS.authToken,
        'https://turnout.example:443/webhooks/twilio/inbound',
      );
      expect(provider.verifyWebhook(CREDENTIALS, { ...request, url: inboundUrl }, NOW)).toBe('ok');
    });

    it('reads the header case-insensitively', () => {
      const request = signed(inboundParams);
      const headers = { 'X-Twilio-Signature': request.headers['x-twilio-signature'] };
      expect(provider.verifyWebhook(CREDENTIALS, { ...request, headers }, NOW)).toBe('ok');
    });

    it('reports a missing signature as missing', () => {
      expect(provider.verifyWebhook(CREDENTIALS, form(inboundParams), NOW)).toBe('missing');
      expect(provider.verifyWebhook(CREDENTIALS, form(inboundParams, ''), NOW)).toBe('missing');
    });

    it('reports a signature made with another token as invalid', () => {
      expect(
        provider.verifyWebhook(CREDENTIALS, signed(inboundParams, 'someone-elses-token'), NOW),
      ).toBe('invalid');
    });

    it('reports a tampered body as invalid', () => {
      const request = signed(inboundParams);
      const tampered = {
        ...request,
        rawBody: Buffer.from(request.rawBody.toString().replace('Body=C', 'Body=X')),
      };
      expect(provider.verifyWebhook(CREDENTIALS, tampered, NOW)).toBe('invalid');
    });

    it('reports a signature over another URL as invalid', () => {
      const request = signed(inboundParams);
      const elsewhere = { ...request, url: 'https://turnout.example/webhooks/twilio/status' };
      expect(provider.verifyWebhook(CREDENTIALS, elsewhere, NOW)).toBe('invalid');
    });

    it('never accepts a signature when the clinic has no auth token', () => {
      const request = signed(inboundParams, '');
      expect(provider.verifyWebhook({ accountSid: 'AC1', authToken: '' }, request, NOW)).toBe(
        'invalid',
      );
    });

    it('reports a garbage URL as invalid instead of throwing', () => {
      const request = { ...signed(inboundParams), url: 'not a url' };
      expect(provider.verifyWebhook(CREDENTIALS, request, NOW)).toBe('invalid');
    });
  });
});
