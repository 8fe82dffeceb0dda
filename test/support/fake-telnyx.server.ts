/**
 * A stand-in for Telnyx's Messaging v2 `POST /v2/messages`: Bearer API key, JSON in and out,
 * `{"data":{id, to:[{status}], parts, ...}}` on success and `{"errors":[{code, title, detail}]}`
 * on failure (codes are strings). Scripted per test; accepts by default.
 */
import { randomUUID } from 'node:crypto';
import { countSegments } from '../../src/messaging/segments';
import {
  FakeProviderOptions,
  FakeProviderServer,
  FakeReply,
  ProviderWire,
  WireAnswer,
} from './fake-provider.server';

export type { RecordedRequest } from './fake-provider.server';

type Failure = { code: string; title: string; detail?: string };
export type FakeTelnyxReply = FakeReply<object, Failure>;

const E164 = /^\+[1-9]\d{6,14}$/;

interface SendBody {
  from: string;
  to: string;
  text: string;
  webhook_url?: string;
}

function error(status: number, code: string, title: string, detail: string): WireAnswer {
  return {
    status,
    contentType: 'application/json',
    body: {
      errors: [
        {
          code,
          title,
          detail,
          meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` },
        },
      ],
    },
  };
}

/** The checks Telnyx makes before it accepts a message, worded as its errors are. */
function parse(contentType: string | undefined, body: string): SendBody | string {
  if (!contentType?.startsWith('application/json')) return 'Content-Type must be application/json';
  let parsed: Partial<Record<keyof SendBody, unknown>>;
  try {
    parsed = JSON.parse(body) as Partial<Record<keyof SendBody, unknown>>;
  } catch {
    return 'The request body is not valid JSON';
  }
  const { from, to, text, webhook_url } = parsed;
  if (typeof from !== 'string' || !E164.test(from)) return 'from must be an E.164 number';
  if (typeof to !== 'string' || !E164.test(to)) return 'to must be an E.164 number';
  if (typeof text !== 'string' || text.length === 0) return 'text is required';
  if (webhook_url !== undefined && typeof webhook_url !== 'string')
    return 'webhook_url must be a string';
  return { from, to, text, webhook_url };
}

function telnyxWire(apiKey: string): ProviderWire<SendBody, object, Failure> {
  return {
    route: (method, path) =>
      method === 'POST' && path === '/v2/messages'
        ? undefined
        : error(
            404,
            '10005',
            'Resource not found',
            'The requested resource or URL could not be found.',
          ),
    authenticate: (req) =>
      req.headers.authorization === `Bearer ${apiKey}`
        ? undefined
        : error(
            401,
            '10009',
            'Authentication failed',
            'The required authentication headers were either invalid or not included in the request.',
          ),
    decode: (headers, body) => {
      const message = parse(headers['content-type'], body);
      return typeof message === 'string'
        ? { refused: error(422, '10015', 'Invalid parameter', message) }
        : { message };
    },
    accepted: (message) => {
      const { encoding, segments } = countSegments(message.text);
      return {
        status: 200,
        contentType: 'application/json',
        body: {
          data: {
            record_type: 'message',
            direction: 'outbound',
            id: randomUUID(),
            type: 'SMS',
            messaging_profile_id: randomUUID(),
            from: { phone_number: message.from, carrier: 'Telnyx', line_type: 'Wireless' },
            to: [
              {
                phone_number: message.to,
                status: 'queued',
                carrier: 'T-MOBILE USA, INC.',
                line_type: 'Wireless',
              },
            ],
            text: message.text,
            media: [],
            webhook_url: message.webhook_url ?? null,
            webhook_failover_url: null,
            encoding: encoding === 'GSM-7' ? 'GSM-7' : 'UCS-2',
            parts: segments,
            tags: [],
            cost: null,
            received_at: new Date().toISOString(),
            sent_at: null,
            completed_at: null,
            valid_until: null,
            errors: [],
          },
        },
      };
    },
    failed: (reply) =>
      error(reply.httpStatus, reply.code, reply.title, reply.detail ?? reply.title),
    summary: (message) => ({ to: message.to, body: message.text }),
  };
}

export class FakeTelnyxServer extends FakeProviderServer<SendBody, object, Failure> {
  static start(apiKey: string, options: FakeProviderOptions = {}): Promise<FakeTelnyxServer> {
    return new FakeTelnyxServer(telnyxWire(apiKey), options).listen();
  }
}
