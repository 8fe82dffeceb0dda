/**
 * A stand-in for api.twilio.com's Messages endpoint, speaking its wire format: Basic auth,
 * form-encoded requests, JSON message resources and `{code, message, more_info, status}` errors.
 * Responses are scripted per test; with nothing queued it accepts.
 */
import { randomBytes } from 'node:crypto';
import { countSegments } from '../../src/messaging/segments';
import { TwilioCredentials } from '../../src/messaging/providers/sms-provider.port';
import {
  FakeProviderOptions,
  FakeProviderServer,
  FakeReply,
  ProviderWire,
  WireAnswer,
} from './fake-provider.server';

export type { RecordedRequest } from './fake-provider.server';
export type FakeTwilioOptions = FakeProviderOptions;

type Accept = { status?: 'queued' | 'accepted' };
type Failure = { code: number; message: string };
export type FakeTwilioReply = FakeReply<Accept, Failure>;

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

function error(status: number, code: number, message: string): WireAnswer {
  return {
    status,
    contentType: 'application/json; charset=utf-8',
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  };
}

function twilioWire({ accountSid, authToken }: TwilioCredentials) {
  const wire: ProviderWire<URLSearchParams, Accept, Failure> = {
    route: (method, path) =>
      method === 'POST' && MESSAGES_PATH.test(path)
        ? undefined
        : error(404, 20404, `The requested resource ${path} was not found`),
    authenticate: (req, path) => {
      const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
      const pathSid = decodeURIComponent(MESSAGES_PATH.exec(path)![1]);
      if (req.headers.authorization === expected && pathSid === accountSid) return undefined;
      return {
        ...error(401, 20003, 'Authenticate'),
        headers: { 'WWW-Authenticate': 'Basic realm="Twilio API"' },
      };
    },
    decode: (headers, body) => {
      const form = new URLSearchParams(
        headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? body : '',
      );
      if (!form.get('To'))
        return { refused: error(400, 21604, "A 'To' phone number is required.") };
      if (!form.get('From'))
        return { refused: error(400, 21603, "A 'From' phone number is required.") };
      if (!form.get('Body')) return { refused: error(400, 21602, 'Message body is required.') };
      return { message: form };
    },
    accepted: (form, reply) => {
      const sid = `SM${randomBytes(16).toString('hex')}`;
      const body = form.get('Body') ?? '';
      const created = new Date().toUTCString().replace('GMT', '+0000');
      const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`;
      return {
        status: 201,
        contentType: 'application/json; charset=utf-8',
        body: {
          account_sid: accountSid,
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
          status: reply.status ?? 'queued',
          subresource_uris: { media: uri.replace('.json', '/Media.json') },
          to: form.get('To'),
          uri,
        },
      };
    },
    failed: (reply) => error(reply.httpStatus, reply.code, reply.message),
    summary: (form) => ({ to: form.get('To') ?? '', body: form.get('Body') ?? '' }),
  };
  return wire;
}

export class FakeTwilioServer extends FakeProviderServer<URLSearchParams, Accept, Failure> {
  static start(
    credentials: TwilioCredentials,
    options: FakeTwilioOptions = {},
  ): Promise<FakeTwilioServer> {
    return new FakeTwilioServer(twilioWire(credentials), options).listen();
  }
}
