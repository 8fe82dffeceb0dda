import type { ClaimedReminder } from './claimed-reminder';
import { buildSendJob, statusCallbackUrl } from './outbound-reminder';

const BASE = 'https://turnout.example';

function reminder(overrides: Partial<ClaimedReminder> = {}): ClaimedReminder {
  return {
    id: 'r-1',
    dueAt: new Date('2026-11-29T15:30:00Z'),
    runAt: new Date('2026-11-29T15:30:00Z'),
    plannedFor: new Date('2026-12-01T15:30:00Z'),
    attempts: 0,
    capAdmitted: false,
    appointmentId: 'a-1',
    appointmentStatus: 'scheduled',
    startsAt: new Date('2026-12-01T15:30:00Z'),
    patientId: 'p-1',
    patientPhone: '+13125550123',
    patientLanguage: 'es',
    patientTimezone: null,
    patientOptedOut: false,
    skipWhenConfirmed: false,
    lacksConsentEvidence: false,
    clinic: {
      id: 'c-1',
      name: 'Lakeside Dental',
      timezone: 'America/Chicago',
      quietHours: null,
      providerType: 'twilio',
      credentials: { accountSid: 'AC1', authToken: 't' },
      senderNumber: '+13125550100',
      sendRatePerSecond: 1,
      flowroutePathSecret: null,
      maxRoutineTextsPerDay: null,
    },
    ...overrides,
  };
}

describe('statusCallbackUrl', () => {
  it('points each provider at its own webhook', () => {
    expect(statusCallbackUrl(BASE, { providerType: 'twilio', flowroutePathSecret: null })).toBe(
      `${BASE}/webhooks/twilio/status`,
    );
    expect(statusCallbackUrl(BASE, { providerType: 'telnyx', flowroutePathSecret: null })).toBe(
      `${BASE}/webhooks/telnyx`,
    );
    expect(
      statusCallbackUrl(BASE, { providerType: 'flowroute', flowroutePathSecret: 'frs_abc' }),
    ).toBe(`${BASE}/webhooks/flowroute/frs_abc/dlr`);
    expect(statusCallbackUrl(BASE, { providerType: 'fake', flowroutePathSecret: null })).toBe(
      undefined,
    );
  });
});

describe('buildSendJob', () => {
  it('renders in the patient’s language, from the clinic’s number, valid until the start', () => {
    const now = new Date('2026-12-01T14:30:00Z');
    const job = buildSendJob(reminder(), 'reminder', now, BASE, 'm-1');
    expect(job.sms).toEqual({
      to: '+13125550123',
      from: '+13125550100',
      body:
        'Lakeside Dental: recordatorio de su cita el mar 1 dic a las 9:30. ' +
        'Responda C para confirmar, R para cambiar, X para cancelar.',
      statusCallbackUrl: `${BASE}/webhooks/twilio/status`,
      validitySeconds: 3_600,
    });
    expect(job).toMatchObject({ messageId: 'm-1', segments: 1, encoding: 'GSM-7' });
  });

  it('reads the time in the patient’s zone when it is known', () => {
    const job = buildSendJob(
      reminder({ patientLanguage: 'en', patientTimezone: 'America/New_York' }),
      'see_you',
      new Date('2026-11-30T12:00:00Z'),
      BASE,
      'm-2',
    );
    expect(job.sms.body).toBe('Lakeside Dental: see you Tue Dec 1 at 10:30 AM.');
  });
});
