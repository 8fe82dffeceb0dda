import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it.each([
    ['/webhooks/flowroute/frs_secret/inbound', '/webhooks/flowroute/[redacted]/inbound'],
    ['/webhooks/flowroute/onlyletters/inbound', '/webhooks/flowroute/[redacted]/inbound'],
    ['/webhooks/FlowRoute/only_letters/dlr', '/webhooks/FlowRoute/[redacted]/dlr'],
    ['/webhooks/twilio/inbound', '/webhooks/twilio/inbound'],
    ['/Webhooks/Flowroute/frs_secret/inbound', '/Webhooks/Flowroute/[redacted]/inbound'],
    ['/WEBHOOKS/FLOWROUTE/frs_secret/dlr?x=1', '/WEBHOOKS/FLOWROUTE/[redacted]/dlr?x=1'],
    ['//webhooks//flowroute/frs_secret/inbound', '//webhooks//flowroute/[redacted]/inbound'],
    ['/%77ebhooks/flowroute/frs_secret/inbound', '/%77ebhooks/flowroute/[redacted]/inbound'],
    ['/v1/conversations/%2B13125550123/messages', '/v1/conversations/[phone]/messages'],
    ['/v1/patients/+13125550123/consent', '/v1/patients/[phone]/consent'],
    ['/v1/patients/(312)%20555-0123/consent', '/v1/patients/[phone]/consent'],
    ['/v1/appointments?phone=%2B13125550123&limit=5', '/v1/appointments?phone=[phone]&limit=5'],
    ['/v1/appointments?from=2026-11-01', '/v1/appointments?from=2026-11-01'],
    ['/console/sign-in?token=sl_secret', '/console/sign-in?token=[redacted]'],
    ['/console/sign-in?x=1&TOKEN=sl_secret', '/console/sign-in?x=1&TOKEN=[redacted]'],
    [
      '/v1/appointments/3f2c9a6e-0000-4000-8000-000000000000',
      '/v1/appointments/3f2c9a6e-0000-4000-8000-000000000000',
    ],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
