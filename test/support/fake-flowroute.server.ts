/**
 * A stand-in for Flowroute's Messaging API v2.1: Basic auth with access key and secret key,
 * JSON:API bodies (`application/vnd.api+json`) with 11-digit NANP numbers, `202` with `data.id`,
 * and `{"errors":[{id, status, title, detail}]}` failures. Scripted per test; accepts by default.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  IncomingHttpHeaders,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { FlowrouteCredentials } from '../../src/messaging/providers/sms-provider.port';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type FakeFlowrouteReply =
  | { type: 'accept' }
  | {
      type: 'error';
      httpStatus: number;
      title: string;
      detail: string;
      headers?: Record<string, string>;
    }
  | { type: 'raw'; httpStatus: number; contentType: string; body: string }
  /** never answers, to exercise the adapter's timeout */
  | { type: 'hang' };

const JSON_API = 'application/vnd.api+json';
const NANP_11 = /^1\d{10}$/;

export class FakeFlowrouteServer {
  readonly requests: RecordedRequest[] = [];
  private readonly replies: FakeFlowrouteReply[] = [];

  private readonly server: Server = createServer((req, res) => {
    void this.handle(req, res);
  });

  private constructor(private readonly credentials: FlowrouteCredentials) {}

  static async start(credentials: FlowrouteCredentials): Promise<FakeFlowrouteServer> {
    const fake = new FakeFlowrouteServer(credentials);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  enqueue(...replies: FakeFlowrouteReply[]): void {
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
    if (req.method !== 'POST' || path !== '/v2.1/messages') {
      return error(res, 404, 'Not Found', `No route for ${req.method} ${path}`);
    }
    const { accessKey, secretKey } = this.credentials;
    const expected = `Basic ${Buffer.from(`${accessKey}:${secretKey}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      return error(
        res,
        401,
        'Unauthorized',
        'Authentication credentials were missing or incorrect',
      );
    }
    if (req.headers['content-type'] !== JSON_API) {
      return error(res, 415, 'Unsupported Media Type', `Content-Type must be ${JSON_API}`);
    }
    const accept = req.headers.accept ?? JSON_API;
    if (!accept.includes(JSON_API) && !accept.includes('*/*')) {
      return error(res, 406, 'Not Acceptable', `Accept must allow ${JSON_API}`);
    }
    const problem = validate(body);
    if (problem) return error(res, 400, 'Bad Request', problem);
    this.reply(res, this.replies.shift() ?? { type: 'accept' });
  }

  private reply(res: ServerResponse, reply: FakeFlowrouteReply): void {
    if (reply.type === 'hang') return;
    if (reply.type === 'raw') {
      res.writeHead(reply.httpStatus, { 'Content-Type': reply.contentType }).end(reply.body);
      return;
    }
    if (reply.type === 'error') {
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      return error(res, reply.httpStatus, reply.title, reply.detail);
    }
    const id = `mdr2-${randomBytes(16).toString('hex')}`;
    const self = `https://api.flowroute.com/v2.1/messages/${id}`;
    jsonApi(res, 202, { data: { type: 'message', id, links: { self } } });
  }
}

/** The checks Flowroute makes before it accepts a message, worded as its errors are. */
function validate(body: string): string | null {
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
  return null;
}

function error(res: ServerResponse, status: number, title: string, detail: string): void {
  jsonApi(res, status, { errors: [{ id: randomUUID(), status, title, detail }] });
}

function jsonApi(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': JSON_API });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
