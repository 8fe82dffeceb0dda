import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

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

const telnyxParty: SchemaObject = {
  type: 'object',
  properties: {
    phone_number: { type: 'string', example: '+13125550123' },
    status: { type: 'string', description: 'per recipient: queued, sent, delivered, ...' },
  },
};

const TELNYX_EVENT: SchemaObject = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['event_type', 'id', 'payload'],
      properties: {
        event_type: {
          type: 'string',
          example: 'message.received',
          description: 'message.received, message.sent, message.finalized; others are ignored',
        },
        id: { type: 'string', description: 'this delivery of the event' },
        occurred_at: { type: 'string', format: 'date-time' },
        payload: {
          type: 'object',
          required: ['id'],
          properties: {
            id: { type: 'string', description: 'the message id' },
            direction: { type: 'string', enum: ['inbound', 'outbound'] },
            from: telnyxParty,
            to: { type: 'array', items: telnyxParty },
            text: { type: 'string' },
            parts: { type: 'integer' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { code: { type: 'string' }, title: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
};

function flowrouteResource(type: 'message' | 'delivery_receipt'): SchemaObject {
  const attributes: Record<string, SchemaObject> =
    type === 'message'
      ? {
          from: { type: 'string', example: '13125550123', description: 'E.164 without +' },
          to: { type: 'string', example: '13125550100' },
          body: { type: 'string' },
          direction: { type: 'string', enum: ['inbound'] },
          is_mms: { type: 'boolean' },
        }
      : {
          status: { type: 'string', example: 'delivered' },
          status_code: { type: 'string', description: 'the carrier code of a failure' },
          level: { type: 'integer', description: '0 final, 1 intermediate' },
          status_desc: { type: 'string' },
        };
  return {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'object',
        required: ['type', 'id', 'attributes'],
        properties: {
          type: { type: 'string', enum: [type] },
          id: { type: 'string', description: 'the message id (mdr2-...)' },
          attributes: { type: 'object', properties: attributes },
        },
      },
    },
  };
}

export const TelnyxWebhookDocs = () =>
  applyDecorators(
    ApiHeader({ name: 'telnyx-signature-ed25519', required: true, description: 'base64' }),
    ApiHeader({
      name: 'telnyx-timestamp',
      required: true,
      description: 'unix seconds; refused when more than 300 s from now',
    }),
    ApiBody({
      description:
        'Telnyx v2 event: message.received, message.sent or message.finalized (others are ' +
        'acknowledged and ignored); fields Turnout does not read are accepted',
      schema: TELNYX_EVENT,
    }),
  );

export const FlowrouteWebhookDocs = (type: 'message' | 'delivery_receipt') =>
  applyDecorators(
    ApiBody({
      description: `Flowroute v2.1 JSON:API resource of type "${type}"; authenticated by the path secret`,
      schema: flowrouteResource(type),
    }),
  );
