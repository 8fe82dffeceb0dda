import { isValidTwilioSignature, twilioSignature } from './twilio-signature';

// Twilio's published example ("Validating requests are coming from Twilio", twilio-node's spec).
const TOKEN = '12345';
const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};
const PUBLISHED = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';

describe('Twilio request signature', () => {
  it("reproduces Twilio's published test vector", () => {
    expect(twilioSignature(TOKEN, URL, PARAMS)).toBe(PUBLISHED);
    expect(isValidTwilioSignature(TOKEN, PUBLISHED, URL, PARAMS)).toBe(true);
  });

  // The two vectors below were computed with twilio 6.2.0's getExpectedTwilioSignature.
  it('signs the URL with an explicit port differently, and accepts either spelling', () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    expect(twilioSignature(TOKEN, withPort, PARAMS)).toBe('EpDEmp1PyjDYp77YxYU3GILBWzE=');
    expect(isValidTwilioSignature(TOKEN, 'EpDEmp1PyjDYp77YxYU3GILBWzE=', URL, PARAMS)).toBe(true);
    expect(isValidTwilioSignature(TOKEN, PUBLISHED, withPort, PARAMS)).toBe(true);
  });

  it('signs each distinct value of a repeated parameter, sorted', () => {
    const params = { ...PARAMS, Digits: ['5678', '1234', '1234'] };
    expect(twilioSignature(TOKEN, URL, params)).toBe('g5PSGBYHqVjse7ns+j4WO2SlP0o=');
  });

  it('refuses a wrong token, a changed parameter, another URL and a truncated signature', () => {
    expect(isValidTwilioSignature('54321', PUBLISHED, URL, PARAMS)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, PUBLISHED, URL, { ...PARAMS, Digits: '1235' })).toBe(
      false,
    );
    expect(isValidTwilioSignature(TOKEN, PUBLISHED, `${URL}&baz=3`, PARAMS)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, PUBLISHED.slice(0, -1), URL, PARAMS)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, PUBLISHED, 'not a url', PARAMS)).toBe(false);
  });
});
