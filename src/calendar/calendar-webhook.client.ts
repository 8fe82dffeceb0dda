import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export interface CalendarAnswer {
  status: number;
  /** the start of the receiver's answer, kept as the delivery's "last answer" */
  body: string;
}

/** The one outside call of the write-back: a port, so tests can point it anywhere. */
export abstract class CalendarWebhookClient {
  /** Resolves with any HTTP answer; rejects when there was none (network error, timeout). */
  abstract post(url: string, body: string, signature: string): Promise<CalendarAnswer>;
}

const KEEP_ANSWER_CHARS = 500;

@Injectable()
export class FetchCalendarWebhookClient extends CalendarWebhookClient {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async post(url: string, body: string, signature: string): Promise<CalendarAnswer> {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Turnout-Calendar/1',
        'turnout-signature': signature,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.config.calendarTimeoutMs),
    });
    const text = await res.text().catch(() => '');
    return { status: res.status, body: text.slice(0, KEEP_ANSWER_CHARS) };
  }
}
