import { consentKeyword } from './consent-keywords';

describe('consentKeyword', () => {
  it.each(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])(
    'reads %s as an opt-out, in any case and with surrounding whitespace',
    (word) => {
      expect(consentKeyword(word)).toEqual({ kind: 'opt_out', keyword: word });
      expect(consentKeyword(`  ${word.toLowerCase()}\n`)).toEqual({
        kind: 'opt_out',
        keyword: word,
      });
    },
  );

  it.each(['START', 'UNSTOP'])('reads %s as an opt-in', (word) => {
    expect(consentKeyword(` ${word.toLowerCase()} `)).toEqual({
      kind: 'opt_in',
      keyword: word,
      onlyIfOptedOut: false,
    });
  });

  it('reads YES as an opt-in only for someone who had opted out', () => {
    expect(consentKeyword('Yes')).toEqual({ kind: 'opt_in', keyword: 'YES', onlyIfOptedOut: true });
  });

  it.each([
    'stop texting me',
    'STOP STOP',
    'S T O P',
    'C',
    'R',
    'X',
    'HELP',
    '',
    'STOPS',
    'cancel it',
  ])('does not read %j as a consent keyword: carriers match the whole message only', (body) => {
    expect(consentKeyword(body)).toBeNull();
  });
});
