import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader } from '@nestjs/swagger';

/** OpenAPI only: the webhook bodies are the providers' wire formats, read from the raw bytes. */
export const TwilioWebhookDocs = (fields: string[]) =>
  applyDecorators(
    ApiHeader({
      name: 'X-Twilio-Signature',
      required: true,
      description: 'HMAC-SHA1 over PUBLIC_BASE_URL + path and the sorted form parameters',
    }),
    ApiBody({
      description: 'Twilio form parameters (others are accepted and signed too)',
      schema: {
        type: 'object',
        properties: Object.fromEntries(fields.map((f) => [f, { type: 'string' }])),
      },
    }),
  );

export const TelnyxWebhookDocs = () =>
  applyDecorators(
    ApiHeader({ name: 'telnyx-signature-ed25519', required: true, description: 'base64' }),
    ApiHeader({
      name: 'telnyx-timestamp',
      required: true,
      description: 'unix seconds; refused when more than 300 s from now',
    }),
    ApiBody({
      description: 'Telnyx v2 event: message.received, message.sent or message.finalized',
      schema: { type: 'object', properties: { data: { type: 'object' } } },
    }),
  );

export const FlowrouteWebhookDocs = (type: 'message' | 'delivery_receipt') =>
  applyDecorators(
    ApiBody({
      description: `Flowroute v2.1 JSON:API resource of type "${type}"; authenticated by the path secret`,
      schema: { type: 'object', properties: { data: { type: 'object' } } },
    }),
  );
