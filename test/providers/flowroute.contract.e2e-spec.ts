import { secretsMatch } from '../../src/common/crypto/secrets';
import {
  FlowrouteProvider,
  fromFlowrouteNumber,
  toFlowrouteNumber,
} from '../../src/messaging/providers/flowroute.provider';
import {
  MalformedWebhookError,
  OutboundSms,
  ProviderError,
  WebhookRequest,
} from '../../src/messaging/providers/sms-provider.port';
import { FakeFlowrouteServer } from '../support/fake-flowroute.server';

const CREDENTIALS = { accessKey: '88888888', secretKey: 'fr-secret-key-1a2b3c' };
const MESSAGE: OutboundSms = {
  to: '+13125550123',
  from: '+13125550100',
  body: 'Lakeside Dental: your cleaning is Tue Dec 1 at 9:30. Reply C to confirm, R to reschedule.',
  statusCallbackUrl: 'https://turnout.example/webhooks/flowroute/whsec/dlr',
  validitySeconds: 3600,
};
const NOW = new Date('2026-11-26T15:00:00Z');
const JSON_API = 'application/vnd.api+json';

async function sendError(provider: FlowrouteProvider, message = MESSAGE): Promise<ProviderError> {
  const error: unknown = await provider.send(CREDENTIALS, message).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('Flowroute v2.1 number format', () => {
  it.each([
    ['+13125550123', '13125550123'],
    ['+12065551234', '12065551234'],
  ])('writes %s as %s', (e164, wire) => {
    expect(toFlowrouteNumber(e164)).toBe(wire);
  });

  it.each(['+442071838750', '+5215512345678', '+11235550123', '+13121550123', '13125550123', ''])(
    'refuses %p, which v2.1 cannot carry',
    (number) => {
      expect(toFlowrouteNumber(number)).toBeNull();
    },
  );

  it.each([
    ['13125550123', '+13125550123'],
    ['3125550123', '+13125550123'],
    ['+13125550123', '+13125550123'],
  ])('reads %s as %s', (wire, e164) => {
    expect(fromFlowrouteNumber(wire)).toBe(e164);
  });

  it.each(['', '555', 'abc', '23125550123x'])('rejects %p', (wire) => {
    expect(fromFlowrouteNumber(wire)).toBeNull();
  });
});

describe('secretsMatch', () => {
  it('matches equal secrets', () => {
    expect(secretsMatch('whsec_abc123', 'whsec_abc123')).toBe(true);
  });

  it.each([
    ['whsec_abc123', 'whsec_abc124'],
    ['whsec_abc123', 'whsec_abc1234'],
    ['whsec_abc123', 'short'],
    ['', ''],
    ['whsec_abc123', ''],
  ])('does not match %p and %p (nor throw on different lengths)', (a, b) => {
    expect(secretsMatch(a, b)).toBe(false);
  });
});

describe('FlowrouteProvider against a fake api.flowroute.com', () => {
  let server: FakeFlowrouteServer;
  let provider: FlowrouteProvider;

  beforeEach(async () => {
    server = await FakeFlowrouteServer.start(CREDENTIALS);
    provider = new FlowrouteProvider(server.baseUrl, 2000);
  });
  afterEach(() => server.stop());

  it('posts a JSON:API message with NANP numbers and Basic auth, and returns data.id', async () => {
    const result = await provider.send(CREDENTIALS, MESSAGE);

    expect(result).toEqual({
      providerMessageId: expect.stringMatching(/^mdr2-[0-9a-f]{32}$/),
      status: 'accepted',
      segments: null,
    });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v2.1/messages');
    const basic = Buffer.from(`${CREDENTIALS.accessKey}:${CREDENTIALS.secretKey}`).toString(
      'base64',
    );
    expect(request.headers.authorization).toBe(`Basic ${basic}`);
    expect(request.headers['content-type']).toBe(JSON_API);
    expect(request.headers.accept).toBe(JSON_API);
    expect(JSON.parse(request.body)).toEqual({
      data: {
        type: 'message',
        attributes: {
          to: '13125550123',
          from: '13125550100',
          body: MESSAGE.body,
          dlr_callback: 'https://turnout.example/webhooks/flowroute/whsec/dlr',
        },
      },
    });
  });

  it('omits dlr_callback when there is no status URL', async () => {
    await provider.send(CREDENTIALS, { to: MESSAGE.to, from: MESSAGE.from, body: 'x' });
    const body = JSON.parse(server.requests[0].body) as { data: { attributes: object } };
    expect(Object.keys(body.data.attributes)).toEqual(['to', 'from', 'body']);
  });

  it('refuses a non-NANP number as permanent, without calling Flowroute', async () => {
    const error = await sendError(provider, { ...MESSAGE, to: '+442071838750' });
    expect(error).toMatchObject({ kind: 'permanent', code: 'non_nanp' });
    expect(server.requests).toHaveLength(0);
  });

  it('maps a 4xx to permanent with the provider detail', async () => {
    server.enqueue({
      type: 'error',
      httpStatus: 400,
      title: 'Bad Request',
      detail: 'Destination number is not SMS capable',
    });
    const error = await sendError(provider);
    expect(error).toMatchObject({ kind: 'permanent', httpStatus: 400 });
    expect(error.message).toContain('not SMS capable');
  });

  it('answers wrong credentials with a 401, a permanent error that does not echo the key', async () => {
    const error: unknown = await provider
      .send({ ...CREDENTIALS, secretKey: 'wrong-secret' }, MESSAGE)
      .catch((reason: unknown) => reason);
    expect(error).toMatchObject({ kind: 'permanent', httpStatus: 401 });
    expect(String((error as Error).message)).not.toContain('wrong-secret');
  });

  it('types a 429 as rate_limited with Retry-After in ms, then a second call succeeds', async () => {
    server.enqueue(
      {
        type: 'error',
        httpStatus: 429,
        title: 'Too Many Requests',
        detail: 'Rate limit exceeded',
        headers: { 'Retry-After': '1' },
      },
      { type: 'accept' },
    );
    expect(await sendError(provider)).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 1000,
      httpStatus: 429,
    });
    await expect(provider.send(CREDENTIALS, MESSAGE)).resolves.toMatchObject({
      status: 'accepted',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('types a 5xx as transient, then a second call succeeds', async () => {
    server.enqueue(
      { type: 'error', httpStatus: 503, title: 'Service Unavailable', detail: 'Try again later' },
      { type: 'accept' },
    );
    expect(await sendError(provider)).toMatchObject({ kind: 'transient', httpStatus: 503 });
    await expect(provider.send(CREDENTIALS, MESSAGE)).resolves.toMatchObject({
      status: 'accepted',
    });
  });

  it('treats a 2xx without data.id as permanent, so the text is not sent twice', async () => {
    server.enqueue({ type: 'raw', httpStatus: 202, contentType: JSON_API, body: '{"data":{}}' });
    expect(await sendError(provider)).toMatchObject({ kind: 'permanent', code: 'bad_response' });
  });

  it('gives up on a hanging request at the adapter timeout, as a transient error', async () => {
    server.enqueue({ type: 'hang' });
    const started = Date.now();
    const error = await sendError(new FlowrouteProvider(server.baseUrl, 150));
    expect(error).toMatchObject({ kind: 'transient', code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('FlowrouteProvider webhooks', () => {
  const provider = new FlowrouteProvider('https://api.flowroute.com', 1000);
  const url = 'https://turnout.example/webhooks/flowroute/whsec_abc/inbound';

  function request(body: unknown): WebhookRequest {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return { url, headers: { 'content-type': JSON_API }, rawBody: Buffer.from(raw) };
  }

  const inbound = {
    data: {
      type: 'message',
      id: 'mdr2-39cadeace66e11e7aff806cd7f24ba2d',
      attributes: {
        body: 'C',
        direction: 'inbound',
        from: '13125550123',
        to: '13125550100',
        is_mms: false,
        message_encoding: 0,
        message_type: 'longcode',
        status: 'delivered',
        timestamp: '2026-11-26T15:04:05.00Z',
        amount_nanodollars: 4000,
        amount_display: '$0.0040',
      },
    },
  };

  function receipt(status: string, level: number, statusCode = 1000): WebhookRequest {
    return request({
      data: {
        type: 'delivery_receipt',
        id: 'mdr2-39cadeace66e11e7aff806cd7f24ba2d',
        attributes: {
          status,
          status_code: statusCode,
          status_code_description: status,
          level,
          timestamp: '2026-11-26T15:04:06.00Z',
        },
      },
    });
  }

  it('parses an inbound message and converts its numbers to +E.164', () => {
    expect(provider.parseWebhook('inbound', request(inbound))).toEqual({
      kind: 'inbound',
      message: {
        providerMessageId: 'mdr2-39cadeace66e11e7aff806cd7f24ba2d',
        from: '+13125550123',
        to: '+13125550100',
        body: 'C',
      },
    });
  });

  it("keeps an MMS's included media as links, even without a body", () => {
    const mms = {
      data: { ...inbound.data, attributes: { ...inbound.data.attributes, body: '', is_mms: true } },
      included: [
        {
          type: 'media',
          id: 'mdr2-media-1',
          attributes: {
            url: 'https://mms-media.flowroute.example/1.png',
            mime_type: 'image/png',
            file_name: '1.png',
            file_size: 2048,
          },
        },
      ],
    };
    expect(provider.parseWebhook('inbound', request(mms))).toEqual({
      kind: 'inbound',
      message: {
        providerMessageId: 'mdr2-39cadeace66e11e7aff806cd7f24ba2d',
        from: '+13125550123',
        to: '+13125550100',
        body: '',
        media: [{ url: 'https://mms-media.flowroute.example/1.png', contentType: 'image/png' }],
      },
    });
  });

  it('ignores a message resource that is not inbound', () => {
    const outbound = {
      data: { ...inbound.data, attributes: { ...inbound.data.attributes, direction: 'outbound' } },
    };
    expect(provider.parseWebhook('inbound', request(outbound)).kind).toBe('ignored');
  });

  it.each([
    ['smsc submit', 1, 'sent'],
    ['message buffered', 2, 'sent'],
    ['delivered', 2, 'delivered'],
    ['DELIVERED', 2, 'delivered'],
  ] as const)('maps receipt %p at level %i to %s', (rawStatus, level, status) => {
    expect(provider.parseWebhook('status', receipt(rawStatus, level))).toEqual({
      kind: 'status',
      update: {
        providerMessageId: 'mdr2-39cadeace66e11e7aff806cd7f24ba2d',
        status,
        rawStatus,
        errorCode: undefined,
      },
    });
  });

  it.each([
    ['undeliverable', 2, 'undelivered'],
    ['rejected', 2, 'undelivered'],
    ['expired', 2, 'undelivered'],
    ['failed', 2, 'undelivered'],
    ['failed', 1, 'failed'],
    ['rejected', 1, 'failed'],
    ['smsc reject', 1, 'failed'],
  ] as const)(
    'maps failure %p at level %i to %s with the status code',
    (rawStatus, level, status) => {
      expect(provider.parseWebhook('status', receipt(rawStatus, level, 4505))).toMatchObject({
        kind: 'status',
        update: { status, rawStatus, errorCode: '4505' },
      });
    },
  );

  it('acknowledges receipts it does not understand', () => {
    expect(provider.parseWebhook('status', receipt('unknown', 2)).kind).toBe('ignored');
  });

  it.each([
    ['not JSON', 'From=+13125550123&Body=C'],
    ['no data', { errors: [] }],
    ['no id', { data: { type: 'message', attributes: inbound.data.attributes } }],
    ['no attributes', { data: { type: 'message', id: 'mdr2-1' } }],
    [
      'no from',
      { data: { ...inbound.data, attributes: { ...inbound.data.attributes, from: undefined } } },
    ],
    [
      'a bad to',
      { data: { ...inbound.data, attributes: { ...inbound.data.attributes, to: 'abc' } } },
    ],
    [
      'a receipt without status',
      { data: { type: 'delivery_receipt', id: 'mdr2-1', attributes: { level: 2 } } },
    ],
  ])('rejects a body with %s as malformed', (_name, body) => {
    expect(() => provider.parseWebhook('inbound', request(body))).toThrow(MalformedWebhookError);
  });

  it('leaves authentication to the path secret: verifyWebhook is always ok', () => {
    expect(provider.verifyWebhook(CREDENTIALS, request(inbound), NOW)).toBe('ok');
  });
});
