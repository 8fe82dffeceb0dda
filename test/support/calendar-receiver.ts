import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  id: string;
  type: string;
  appointmentId: string;
  body: string;
  signatureValid: boolean;
  receivedAt: number;
}

/**
 * A clinic's calendar endpoint: checks Turnout-Signature over the exact body with the clinic's
 * webhook secret, and answers as a test tells it to (fail, answer slowly, succeed).
 */
export class CalendarReceiver {
  readonly events: ReceivedEvent[] = [];
  /** answers for the next calls, in order; 204 once they run out */
  answers: { status: number; delayMs?: number }[] = [];
  secret = '';
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.read(req).then(async (body) => {
        const answer = this.answers.shift() ?? { status: 204 };
        const parsed = JSON.parse(body) as {
          id: string;
          type: string;
          appointment: { id: string };
        };
        this.events.push({
          id: parsed.id,
          type: parsed.type,
          appointmentId: parsed.appointment.id,
          body,
          signatureValid: this.verify(String(req.headers['turnout-signature'] ?? ''), body),
          receivedAt: Date.now(),
        });
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        res.writeHead(answer.status, { 'content-type': 'text/plain' });
        res.end(answer.status >= 300 ? `calendar says ${answer.status}` : '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/turnout-events`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private verify(header: string, body: string): boolean {
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    if (!m || !this.secret) return false;
    const expected = createHmac('sha256', this.secret).update(`${m[1]}.${body}`).digest();
    return timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
  }

  private read(req: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  }
}
