import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export { isSupportedCountry };

// Longer input is never a phone number; the cap keeps a hostile batch cheap to reject.
const MAX_INPUT_LENGTH = 64;

/**
 * The `+E.164` form of `input`, read in `defaultCountry` when it has no `+` prefix, or null.
 *
 * Uses the full (`max`) metadata so digit patterns are checked, not only lengths: `+1 555 555
 * 0100` is null. Parsing is strict (`extract: false`): text around the number, letters (vanity
 * numbers) and extensions are rejected, because an SMS recipient is exactly one subscriber.
 */
export function normalizePhone(input: string, defaultCountry: string): string | null {
  const text = input.trim();
  if (text === '' || text.length > MAX_INPUT_LENGTH) return null;
  const country = defaultCountry.toUpperCase();
  const phone = parsePhoneNumberFromString(text, {
    // An unknown country still lets international (`+...`) numbers through.
    defaultCountry: isSupportedCountry(country) ? country : undefined,
    extract: false,
  });
  if (!phone || phone.ext || !phone.isValid()) return null;
  return phone.number;
}
