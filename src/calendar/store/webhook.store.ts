import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { calendarSignature } from '../calendar-signature';
import { CalendarWebhookClient } from '../calendar-webhook.client';
import type {
  CalendarStoreAdapter,
  StoreChange,
  StoreContext,
  StoreRead,
  StoreWrite,
  WebhookStoreSettings,
} from './calendar-store.port';

/**
 * The clinic's own receiver (calendarWebhookUrl): each change POSTed as the outbox stored it,
 * byte for byte, signed with the clinic's webhookSecret. Nothing is read from it: appointments
 * arrive by upload, so a read finds nothing and no link is kept.
 */
@Injectable()
export class WebhookStore implements CalendarStoreAdapter {
  readonly type = 'webhook' as const;
  readonly linked = false;

  constructor(
    private readonly client: CalendarWebhookClient,
    private readonly clock: Clock,
  ) {}

  read(_ctx: StoreContext, cursor: string | null): Promise<StoreRead> {
    return Promise.resolve({ mapped: [], unmapped: [], deleted: [], cursor, requests: 0 });
  }

  async write(
    ctx: StoreContext,
    change: StoreChange,
    _link: unknown,
    body = JSON.stringify(change),
  ): Promise<StoreWrite> {
    const { url } = ctx.settings as WebhookStoreSettings;
    if (!url) {
      return {
        ok: false,
        statusCode: null,
        error: 'the clinic has no calendarWebhookUrl any more',
        requests: 0,
      };
    }
    try {
      const answer = await this.client.post(
        url,
        body,
        calendarSignature(ctx.secret.webhookSecret ?? '', body, this.clock.now()),
      );
      if (answer.status >= 200 && answer.status < 300) {
        return { ok: true, link: null, conflicts: 0, requests: 1, statusCode: answer.status };
      }
      return {
        ok: false,
        statusCode: answer.status,
        error: answer.body || `HTTP ${answer.status}`,
        requests: 1,
      };
    } catch (e: unknown) {
      const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { ok: false, statusCode: null, error, requests: 1 };
    }
  }
}
