import { decideAtClaim, type ClaimFacts } from './claim-decision';

const NIGHT = { start: '20:00', end: '08:00' };
// Wednesday 2026-12-02 10:00 in New York (EST, UTC-5).
const STARTS_AT = new Date('2026-12-02T15:00:00Z');

function facts(overrides: Partial<ClaimFacts> = {}): ClaimFacts {
  return {
    appointmentStatus: 'scheduled',
    startsAt: STARTS_AT,
    plannedFor: STARTS_AT,
    optedOut: false,
    skipWhenConfirmed: false,
    lacksConsentEvidence: false,
    zone: 'America/New_York',
    quietHours: NIGHT,
    ...overrides,
  };
}

const NOON_THE_DAY_BEFORE = new Date('2026-12-01T17:00:00Z');

describe('decideAtClaim', () => {
  it('sends the reminder template for a scheduled appointment in the daytime', () => {
    expect(decideAtClaim(facts(), NOON_THE_DAY_BEFORE)).toEqual({
      action: 'send',
      template: 'reminder',
    });
  });

  it('sends "see you" once the patient has confirmed', () => {
    expect(decideAtClaim(facts({ appointmentStatus: 'confirmed' }), NOON_THE_DAY_BEFORE)).toEqual({
      action: 'send',
      template: 'see_you',
    });
  });

  it('skips an offset of skipWhenConfirmed once confirmed, and only then', () => {
    const skip = { skipWhenConfirmed: true };
    expect(
      decideAtClaim(facts({ ...skip, appointmentStatus: 'confirmed' }), NOON_THE_DAY_BEFORE),
    ).toEqual({ action: 'skip', reason: 'confirmed' });
    // A later reschedule request (or a move, back to scheduled) brings it back.
    for (const appointmentStatus of ['scheduled', 'reschedule_requested'] as const) {
      expect(decideAtClaim(facts({ ...skip, appointmentStatus }), NOON_THE_DAY_BEFORE).action).toBe(
        'send',
      );
    }
  });

  it('still prompts while a reschedule is being arranged', () => {
    const decision = decideAtClaim(
      facts({ appointmentStatus: 'reschedule_requested' }),
      NOON_THE_DAY_BEFORE,
    );
    expect(decision).toEqual({ action: 'send', template: 'reminder' });
  });

  it.each(['cancelled', 'arrived', 'completed', 'no_show'] as const)(
    'skips a reminder for an appointment that is %s',
    (status) => {
      expect(decideAtClaim(facts({ appointmentStatus: status }), NOON_THE_DAY_BEFORE)).toEqual({
        action: 'skip',
        reason: 'appointment_not_live',
      });
    },
  );

  it('skips a reminder planned for a start the appointment no longer has', () => {
    const moved = facts({ plannedFor: new Date('2026-12-03T15:00:00Z') });
    expect(decideAtClaim(moved, NOON_THE_DAY_BEFORE)).toEqual({
      action: 'skip',
      reason: 'replanned',
    });
  });

  it('skips an opted-out patient', () => {
    expect(decideAtClaim(facts({ optedOut: true }), NOON_THE_DAY_BEFORE)).toEqual({
      action: 'skip',
      reason: 'opted_out',
    });
  });

  it.each([
    // [case, facts, expected reason]
    [
      'no opt-in on record where the clinic requires one',
      { lacksConsentEvidence: true },
      'no_consent_evidence',
    ],
    [
      'an opted-out patient, whatever the evidence',
      { optedOut: true, lacksConsentEvidence: true },
      'opted_out',
    ],
    [
      'a cancelled visit before missing evidence',
      { appointmentStatus: 'cancelled', lacksConsentEvidence: true },
      'appointment_not_live',
    ],
  ] as const)('skips %s', (_case, overrides, reason) => {
    expect(decideAtClaim(facts(overrides), NOON_THE_DAY_BEFORE)).toEqual({
      action: 'skip',
      reason,
    });
  });

  it('skips once the appointment has started', () => {
    expect(decideAtClaim(facts(), STARTS_AT)).toEqual({ action: 'skip', reason: 'too_late' });
  });

  it('holds a reminder claimed at night until the window ends in the patient’s zone', () => {
    const at = new Date('2026-12-02T03:00:00Z'); // 22:00 in New York, 19:00 in Los Angeles
    expect(decideAtClaim(facts(), at)).toEqual({
      action: 'reschedule',
      runAt: new Date('2026-12-02T13:00:00Z'), // 08:00 EST
    });
    expect(decideAtClaim(facts({ zone: 'America/Los_Angeles' }), at)).toEqual({
      action: 'send',
      template: 'reminder',
    });
  });

  it('skips a night-time claim when the window outlasts the appointment', () => {
    const early = facts({ startsAt: new Date('2026-12-02T12:30:00Z') }); // 07:30 EST
    const at = new Date('2026-12-02T10:00:00Z'); // 05:00 EST
    expect(decideAtClaim({ ...early, plannedFor: early.startsAt }, at)).toEqual({
      action: 'skip',
      reason: 'quiet_hours',
    });
  });

  it('ignores quiet hours when the clinic turned them off', () => {
    const at = new Date('2026-12-02T03:00:00Z');
    expect(decideAtClaim(facts({ quietHours: null }), at)).toEqual({
      action: 'send',
      template: 'reminder',
    });
  });
});
