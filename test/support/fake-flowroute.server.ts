/**
 * A stand-in for Flowroute's Messaging API v2.1: Basic auth with access key and secret key,
 * JSON:API bodies (`application/vnd.api+json`) with 11-digit NANP numbers, `202` with `data.id`,
 * and `{"errors":[{id, status, title, detail}]}` failures. Scripted per test; accepts by default.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { FlowrouteCredentials } from '../../src/messaging/providers/sms-provider.port';
import {
  FakeProviderOptions,
  FakeProviderServer,
  FakeReply,
  ProviderWire,
  WireAnswer,
} from './fake-provider.server';

export type { RecordedRequest } from './fake-provider.server';

type Failure = { title: string; detail: string };
export type FakeFlowrouteReply = FakeReply<object, Failure>;

const JSON_API = 'application/vnd.api+json';
const NANP_11 = /^1\d{10}$/;

interface SendBody {
  to: string;
  body: string;
}

function error(status: number, title: string, detail: string): WireAnswer {
  return {
    status,
    contentType: JSON_API,
    body: { errors: [{ id: randomUUID(), status, title, detail }] },
  };
}

/** The checks Flowroute makes before it accepts a message, worded as its errors are. */
function validate(body: string): SendBody | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'Request body is not valid JSON';
  }
  const data = (parsed as { data?: { type?: unknown; attributes?: Record<string, unknown> } }).data;
  if (data?.type !== 'message' || !data.attributes) return 'data.type must be "message"';
  const { to, from, body: text } = data.attributes;
  if (typeof to !== 'string' || !NANP_11.test(to)) return 'to must be an 11-digit NANP number';
  if (typeof from !== 'string' || !NANP_11.test(from))
    return 'from must be an 11-digit NANP number';
  if (typeof text !== 'string' || text.length === 0) return 'body is required';
  return { to, body: text };
}

function flowrouteWire({
  accessKey,
  secretKey,
}: FlowrouteCredentials): ProviderWire<SendBody, object, Failure> {
  const expected = `Basic ${Buffer.from(`${accessKey}:${secretKey}`).toString('base64')}`;
  return {
    route: (method, path) =>
      method === 'POST' && path === '/v2.1/messages'
        ? undefined
        : error(404, 'Not Found', `No route for ${method} ${path}`),
    authenticate: (req) =>
      req.headers.authorization === expected
        ? undefined
        : error(401, 'Unauthorized', 'Authentication credentials were missing or incorrect'),
    decode: (headers, body) => {
      if (headers['content-type'] !== JSON_API) {
        return {
          refused: error(415, 'Unsupported Media Type', `Content-Type must be ${JSON_API}`),
        };
      }
      const accept = headers.accept ?? JSON_API;
      if (!accept.includes(JSON_API) && !accept.includes('*/*')) {
        return { refused: error(406, 'Not Acceptable', `Accept must allow ${JSON_API}`) };
      }
      const message = validate(body);
      return typeof message === 'string'
        ? { refused: error(400, 'Bad Request', message) }
        : { message };
    },
    accepted: () => {
      const id = `mdr2-${randomBytes(16).toString('hex')}`;
      const self = `https://api.flowroute.com/v2.1/messages/${id}`;
      return {
        status: 202,
        contentType: JSON_API,
        body: { data: { type: 'message', id, links: { self } } },
      };
    },
    failed: (reply) => error(reply.httpStatus, reply.title, reply.detail),
    summary: (message) => message,
  };
}

export class FakeFlowrouteServer extends FakeProviderServer<SendBody, object, Failure> {
  static start(
    credentials: FlowrouteCredentials,
    options: FakeProviderOptions = {},
  ): Promise<FakeFlowrouteServer> {
    return new FakeFlowrouteServer(flowrouteWire(credentials), options).listen();
  }
}
