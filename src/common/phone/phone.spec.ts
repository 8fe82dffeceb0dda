import { isSupportedCountry, normalizePhone } from './phone';

describe('normalizePhone', () => {
  it.each([
    ['(312) 555-0123', 'US', '+13125550123'],
    ['312.555.0123', 'US', '+13125550123'],
    ['1-312-555-0123', 'US', '+13125550123'],
    ['+1 312 555 0123', 'GB', '+13125550123'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['612 34 56 78', 'ES', '+34612345678'],
    ['+34 612 34 56 78', 'US', '+34612345678'],
    [' (312) 555-0123 ', 'US', '+13125550123'],
    ['(312) 555-0123', 'us', '+13125550123'],
  ])('%j in %s -> %s', (input, country, expected) => {
    expect(normalizePhone(input, country)).toBe(expected);
  });

  it.each([
    // Length is right but 555 is not a real area code; only the full metadata knows that.
    ['+1 555 555 0100', 'US'],
    ['555 555 0100', 'US'],
    // A UK national number read as American.
    ['020 7946 0958', 'US'],
    ['', 'US'],
    ['   ', 'US'],
    ['abc', 'US'],
    ['call me', 'US'],
    ['3125550123abc', 'US'],
    ['1-800-FLOWERS', 'US'],
    ['tel:+13125550123', 'US'],
    ['312-555-0123 ext. 5', 'US'],
    ['++13125550123', 'US'],
    ['312555', 'US'],
    ['3'.repeat(80), 'US'],
  ])('%j in %s -> null', (input, country) => {
    expect(normalizePhone(input, country)).toBeNull();
  });

  it('still reads international numbers when the default country is unknown', () => {
    expect(normalizePhone('+13125550123', 'XX')).toBe('+13125550123');
    expect(normalizePhone('(312) 555-0123', 'XX')).toBeNull();
  });
});

describe('isSupportedCountry', () => {
  it('knows ISO 3166 alpha-2 codes in upper case', () => {
    expect(isSupportedCountry('US')).toBe(true);
    expect(isSupportedCountry('GB')).toBe(true);
    expect(isSupportedCountry('ES')).toBe(true);
    expect(isSupportedCountry('XX')).toBe(false);
    expect(isSupportedCountry('us')).toBe(false);
    expect(isSupportedCountry('')).toBe(false);
  });
});
