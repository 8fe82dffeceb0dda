/**
 * A stand-in for api.twilio.com's Messages endpoint, speaking its wire format: Basic auth,
 * form-encoded requests, JSON message resources and `{code, message, more_info, status}` errors.
 * Responses are scripted per test; with nothing queued it accepts.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  IncomingHttpHeaders,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { countSegments } from '../../src/messaging/segments';
import { TwilioCredentials } from '../../src/messaging/providers/sms-provider.port';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type FakeTwilioReply =
  | { type: 'accept'; status?: 'queued' | 'accepted' }
  | {
      type: 'error';
      httpStatus: number;
      code: number;
      message: string;
      headers?: Record<string, string>;
    }
  | { type: 'raw'; httpStatus: number; contentType: string; body: string }
  /** never answers, to exercise the adapter's timeout */
  | { type: 'hang' };

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

export interface FakeTwilioOptions {
  /** keep every request in `requests` (true); a bench sending thousands turns it off */
  record?: boolean;
  /** told of every message accepted, as it is answered (a bench's patient reading its text) */
  onAccepted?: (to: string, body: string) => void;
}

export class FakeTwilioServer {
  readonly requests: RecordedRequest[] = [];
  /** TCP connections accepted: a client that keeps connections alive opens one for many sends */
  connections = 0;
  private readonly replies: FakeTwilioReply[] = [];

  private readonly server: Server = createServer((req, res) => {
    void this.handle(req, res);
  });

  private constructor(
    private readonly credentials: TwilioCredentials,
    private readonly record: boolean,
    private readonly onAccepted?: (to: string, body: string) => void,
  ) {}

  static async start(
    credentials: TwilioCredentials,
    { record = true, onAccepted }: FakeTwilioOptions = {},
  ): Promise<FakeTwilioServer> {
    const fake = new FakeTwilioServer(credentials, record, onAccepted);
    fake.server.on('connection', () => {
      fake.connections += 1;
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  enqueue(...replies: FakeTwilioReply[]): void {
    this.replies.push(...replies);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = req.url ?? '';
    if (this.record)
      this.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
    const accountSid = MESSAGES_PATH.exec(path)?.[1];
    if (req.method !== 'POST' || !accountSid) {
      return error(res, 404, 20404, `The requested resource ${path} was not found`);
    }
    if (!this.authorized(req.headers.authorization, decodeURIComponent(accountSid))) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
      return error(res, 401, 20003, 'Authenticate');
    }
    const form = new URLSearchParams(
      req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? body : '',
    );
    if (!form.get('To')) return error(res, 400, 21604, "A 'To' phone number is required.");
    if (!form.get('From')) return error(res, 400, 21603, "A 'From' phone number is required.");
    if (!form.get('Body')) return error(res, 400, 21602, 'Message body is required.');
    this.reply(res, this.replies.shift() ?? { type: 'accept' }, form);
  }

  private authorized(header: string | undefined, pathSid: string): boolean {
    const { accountSid, authToken } = this.credentials;
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    return header === expected && pathSid === accountSid;
  }

  private reply(res: ServerResponse, reply: FakeTwilioReply, form: URLSearchParams): void {
    if (reply.type === 'hang') return;
    if (reply.type === 'raw') {
      res.writeHead(reply.httpStatus, { 'Content-Type': reply.contentType }).end(reply.body);
      return;
    }
    if (reply.type === 'error') {
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      return error(res, reply.httpStatus, reply.code, reply.message);
    }
    json(res, 201, this.messageResource(form, reply.status ?? 'queued'));
    this.onAccepted?.(form.get('To') ?? '', form.get('Body') ?? '');
  }

  private messageResource(form: URLSearchParams, status: string): Record<string, unknown> {
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const body = form.get('Body') ?? '';
    const created = new Date().toUTCString().replace('GMT', '+0000');
    const uri = `/2010-04-01/Accounts/${this.credentials.accountSid}/Messages/${sid}.json`;
    return {
      account_sid: this.credentials.accountSid,
      api_version: '2010-04-01',
      body,
      date_created: created,
      date_sent: null,
      date_updated: created,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: form.get('From'),
      messaging_service_sid: null,
      num_media: '0',
      num_segments: String(countSegments(body).segments),
      price: null,
      price_unit: 'USD',
      sid,
      status,
      subresource_uris: { media: uri.replace('.json', '/Media.json') },
      to: form.get('To'),
      uri,
    };
  }
}

function error(res: ServerResponse, status: number, code: number, message: string): void {
  json(res, status, {
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
