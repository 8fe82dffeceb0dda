/**
 * A stand-in for an SMS provider's send endpoint: an HTTP server on 127.0.0.1 that records every
 * request and answers it from replies a test queues (accepting when none is queued), in the wire
 * format a `ProviderWire` describes. fake-twilio, fake-telnyx and fake-flowroute are its wires.
 */
import {
  createServer,
  IncomingHttpHeaders,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP answer as the provider would send it. */
export interface WireAnswer {
  status: number;
  contentType: string;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * What a test can queue. `Accept` and `Failure` are the provider's own fields for a success and
 * an error (Twilio's numeric code, Telnyx's title and detail...).
 */
export type FakeReply<Accept extends object, Failure extends object> =
  | ({ type: 'accept' } & Accept)
  | ({ type: 'error'; httpStatus: number; headers?: Record<string, string> } & Failure)
  | { type: 'raw'; httpStatus: number; contentType: string; body: string }
  /** never answers, to exercise the adapter's timeout */
  | { type: 'hang' };

/** One provider's wire format: how it routes, authenticates, reads a send and answers. */
export interface ProviderWire<Message, Accept extends object, Failure extends object> {
  /** the answer to anything but a POST to the send endpoint; undefined when it is that */
  route(method: string, path: string): WireAnswer | undefined;
  /** the answer refusing the credentials; undefined when they are right */
  authenticate(req: IncomingMessage, path: string): WireAnswer | undefined;
  /** the message sent, or the answer refusing it as the provider would */
  decode(
    headers: IncomingHttpHeaders,
    body: string,
  ): { message: Message } | { refused: WireAnswer };
  accepted(message: Message, reply: { type: 'accept' } & Accept): WireAnswer;
  failed(reply: { type: 'error'; httpStatus: number } & Failure): WireAnswer;
  /** recipient and text, for `onAccepted` */
  summary(message: Message): { to: string; body: string };
}

export interface FakeProviderOptions {
  /** keep every request in `requests` (true); a bench sending thousands turns it off */
  record?: boolean;
  /** told of every message accepted, as it is answered (a bench's patient reading its text) */
  onAccepted?: (to: string, body: string) => void;
}

export class FakeProviderServer<Message, Accept extends object, Failure extends object> {
  readonly requests: RecordedRequest[] = [];
  /** TCP connections accepted: a client that keeps connections alive opens one for many sends */
  connections = 0;
  private readonly replies: FakeReply<Accept, Failure>[] = [];
  private readonly server: Server = createServer((req, res) => {
    void this.handle(req, res);
  });

  protected constructor(
    private readonly wire: ProviderWire<Message, Accept, Failure>,
    private readonly options: FakeProviderOptions,
  ) {
    this.server.on('connection', () => {
      this.connections += 1;
    });
  }

  protected async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  enqueue(...replies: FakeReply<Accept, Failure>[]): void {
    this.replies.push(...replies);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const method = req.method ?? '';
    const path = req.url ?? '';
    if (this.options.record ?? true)
      this.requests.push({ method, path, headers: req.headers, body });
    const refusal = this.wire.route(method, path) ?? this.wire.authenticate(req, path);
    if (refusal) return send(res, refusal);
    const decoded = this.wire.decode(req.headers, body);
    if ('refused' in decoded) return send(res, decoded.refused);
    const { message } = decoded;
    const reply = this.replies.shift() ?? ({ type: 'accept' } as FakeReply<Accept, Failure>);
    if (reply.type === 'hang') return;
    if (reply.type === 'raw') {
      res.writeHead(reply.httpStatus, { 'Content-Type': reply.contentType }).end(reply.body);
      return;
    }
    if (reply.type === 'error') {
      const answer = this.wire.failed(reply);
      return send(res, { ...answer, headers: { ...answer.headers, ...reply.headers } });
    }
    send(res, this.wire.accepted(message, reply));
    const { to, body: text } = this.wire.summary(message);
    this.options.onAccepted?.(to, text);
  }
}

function send(res: ServerResponse, answer: WireAnswer): void {
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.writeHead(answer.status, { 'Content-Type': answer.contentType });
  res.end(JSON.stringify(answer.body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
