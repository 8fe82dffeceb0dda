/**
 * A stand-in for Telnyx's Messaging v2 `POST /v2/messages`: Bearer API key, JSON in and out,
 * `{"data":{id, to:[{status}], parts, ...}}` on success and `{"errors":[{code, title, detail}]}`
 * on failure (codes are strings). Scripted per test; accepts by default.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  IncomingHttpHeaders,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { countSegments } from '../../src/messaging/segments';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type FakeTelnyxReply =
  | { type: 'accept' }
  | {
      type: 'error';
      httpStatus: number;
      code: string;
      title: string;
      detail?: string;
      headers?: Record<string, string>;
    }
  | { type: 'raw'; httpStatus: number; contentType: string; body: string }
  /** never answers, to exercise the adapter's timeout */
  | { type: 'hang' };

const E164 = /^\+[1-9]\d{6,14}$/;

export class FakeTelnyxServer {
  readonly requests: RecordedRequest[] = [];
  private readonly replies: FakeTelnyxReply[] = [];

  private readonly server: Server = createServer((req, res) => {
    void this.handle(req, res);
  });

  private constructor(private readonly apiKey: string) {}

  static async start(apiKey: string): Promise<FakeTelnyxServer> {
    const fake = new FakeTelnyxServer(apiKey);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  enqueue(...replies: FakeTelnyxReply[]): void {
    this.replies.push(...replies);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = req.url ?? '';
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
    if (req.method !== 'POST' || path !== '/v2/messages') {
      return error(
        res,
        404,
        '10005',
        'Resource not found',
        'The requested resource or URL could not be found.',
      );
    }
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return error(
        res,
        401,
        '10009',
        'Authentication failed',
        'The required authentication headers were either invalid or not included in the request.',
      );
    }
    const message = parse(req.headers['content-type'], body);
    if (typeof message === 'string') {
      return error(res, 422, '10015', 'Invalid parameter', message);
    }
    this.reply(res, this.replies.shift() ?? { type: 'accept' }, message);
  }

  private reply(res: ServerResponse, reply: FakeTelnyxReply, message: SendBody): void {
    if (reply.type === 'hang') return;
    if (reply.type === 'raw') {
      res.writeHead(reply.httpStatus, { 'Content-Type': reply.contentType }).end(reply.body);
      return;
    }
    if (reply.type === 'error') {
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      return error(res, reply.httpStatus, reply.code, reply.title, reply.detail ?? reply.title);
    }
    const { encoding, segments } = countSegments(message.text);
    json(res, 200, {
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
    });
  }
}

interface SendBody {
  from: string;
  to: string;
  text: string;
  webhook_url?: string;
}

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

function error(
  res: ServerResponse,
  status: number,
  code: string,
  title: string,
  detail: string,
): void {
  json(res, status, {
    errors: [
      {
        code,
        title,
        detail,
        meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` },
      },
    ],
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
