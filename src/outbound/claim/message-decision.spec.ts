import { decideAtSend } from './message-decision';

const NOW = new Date('2026-12-01T15:00:00Z');
const text = (o: Partial<Parameters<typeof decideAtSend>[0]> = {}) => ({
  expiresAt: new Date(NOW.getTime() + 60_000),
  optedOut: false,
  lacksConsentEvidence: false,
  confirmsConsent: false,
  confirmsLatestConsent: false,
  ...o,
});

describe('decideAtSend (a producer’s text, at claim time)', () => {
  it('sends an answer still within its time', () => {
    expect(decideAtSend(text(), NOW)).toEqual({ action: 'send' });
  });

  it('expires an answer at its expiry, not a moment later', () => {
    expect(decideAtSend(text({ expiresAt: NOW }), NOW)).toEqual({ action: 'expire' });
    expect(decideAtSend(text({ expiresAt: null }), NOW)).toEqual({ action: 'send' });
  });

  it('sends nothing to an opted-out patient but the confirmation of that very opt-out', () => {
    expect(decideAtSend(text({ optedOut: true }), NOW)).toEqual({
      action: 'refuse',
      reason: 'opted_out',
    });
    const confirmation = { optedOut: true, confirmsConsent: true, confirmsLatestConsent: true };
    expect(decideAtSend(text(confirmation), NOW)).toEqual({ action: 'send' });
  });

  it('drops the confirmation of a consent change the patient has since reversed', () => {
    const stale = { confirmsConsent: true, confirmsLatestConsent: false };
    expect(decideAtSend(text(stale), NOW)).toEqual({ action: 'refuse', reason: 'superseded' });
    expect(decideAtSend(text({ ...stale, optedOut: true }), NOW)).toEqual({
      action: 'refuse',
      reason: 'superseded',
    });
  });

  it('refuses a routine text (a survey) without the opt-in the clinic requires', () => {
    expect(decideAtSend(text({ lacksConsentEvidence: true }), NOW)).toEqual({
      action: 'refuse',
      reason: 'no_consent_evidence',
    });
  });
});
