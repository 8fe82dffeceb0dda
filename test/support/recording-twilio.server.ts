/**
 * A stand-in for api.twilio.com that accepts every message, answering in Twilio's format, and
 * records when each request arrived: what the rate-cap and multi-process tests measure.
 */
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedSms {
  from: string;
  to: string;
  body: string;
  /** when the request reached the server: milliseconds on the Unix epoch, fractional */
  at: number;
}

/** How the fake answers: normally, with Twilio's 500, or not at all (a hung provider). */
export type ProviderMode = 'ok' | 'error' | 'hang';

export interface ProviderRequest {
  to: string;
  at: number;
  /** the status answered; 0 for a request left hanging */
  status: number;
}

export class RecordingTwilioServer {
  /** texts accepted */
  readonly received: ReceivedSms[] = [];
  /** every request, whatever it was answered */
  readonly requests: ProviderRequest[] = [];
  mode: ProviderMode = 'ok';
  /** called for each text accepted, as it is accepted */
  onAccepted: ((sms: ReceivedSms) => void) | null = null;
  private readonly server: Server = createServer((req, res) => {
    // Taken on arrival, before the body: the instant the provider would count the request.
    const at = performance.timeOrigin + performance.now();
    void this.handle(req, res, at);
  });

  static async start(): Promise<RecordingTwilioServer> {
    const fake = new RecordingTwilioServer();
    fake.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  from(sender: string): ReceivedSms[] {
    return this.received.filter((sms) => sms.from === sender);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, at: number): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const sms = {
      from: form.get('From') ?? '',
      to: form.get('To') ?? '',
      body: form.get('Body') ?? '',
    };
    if (this.mode === 'hang') {
      this.requests.push({ to: sms.to, at, status: 0 });
      return;
    }
    if (this.mode === 'error') {
      this.requests.push({ to: sms.to, at, status: 500 });
      res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(
        JSON.stringify({
          code: 20500,
          message: 'Internal Server Error',
          more_info: 'https://www.twilio.com/docs/errors/20500',
          status: 500,
        }),
      );
      return;
    }
    this.requests.push({ to: sms.to, at, status: 201 });
    this.received.push({ ...sms, at });
    this.onAccepted?.({ ...sms, at });
    const sid = `SM${randomBytes(16).toString('hex')}`;
    res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ sid, status: 'queued', num_segments: '1', ...sms, error_code: null }));
  }
}

/** The most messages that fall in any one-second window [t, t + 1000 ms). */
export function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= 1000) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
