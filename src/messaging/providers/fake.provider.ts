import { randomUUID } from 'node:crypto';
import { countSegments } from '../segments';
import {
  MalformedWebhookError,
  OutboundSms,
  ParsedWebhook,
  ProviderCredentials,
  SendResult,
  SignatureCheck,
  SmsProvider,
  WebhookKind,
  WebhookRequest,
} from './sms-provider.port';

/**
 * The `fake` provider, for trials and tests: accepts every message. What it "sent" is the
 * outbound message log itself (GET /v1/simulator/outbox); replies come in through
 * POST /v1/simulator/inbound, which is authenticated by the clinic's API key.
 */
export class FakeProvider implements SmsProvider {
  readonly type = 'fake' as const;

  send(_credentials: ProviderCredentials, message: OutboundSms): Promise<SendResult> {
    return Promise.resolve({
      providerMessageId: `fake-${randomUUID()}`,
      status: 'queued',
      segments: countSegments(message.body).segments,
    });
  }

  parseWebhook(_kind: WebhookKind, _request: WebhookRequest): ParsedWebhook {
    throw new MalformedWebhookError('the fake provider has no webhooks; use /v1/simulator/inbound');
  }

  verifyWebhook(_c: ProviderCredentials, _r: WebhookRequest, _now: Date): SignatureCheck {
    return 'invalid';
  }
}
