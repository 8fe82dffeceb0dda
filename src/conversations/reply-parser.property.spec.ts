import fc from 'fast-check';
import raw from '../../config/replies.json';
import { consentKeyword } from './consent-keywords';
import {
  carrierKeyword,
  classifyReply,
  normaliseReply,
  REPLY_VOCABULARY,
  type ReplyMeaning,
} from './reply-classifier';

/**
 * The reply parser under hostile input (issue 12, point 4): whatever a carrier hands us as a
 * text, every function that reads a patient's words answers, without throwing, with a
 * well-formed meaning. The HTTP fuzz (test/hostile-input.fuzz.e2e-spec.ts) reaches the parser
 * only through the inbox; these cases reach it directly, 6,000 per run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = 2_000;

const vocabulary = REPLY_VOCABULARY;
const carrierWords = [
  ...vocabulary.carrier.optOut,
  ...vocabulary.carrier.optIn,
  ...vocabulary.carrier.optInWhenOptedOut,
  ...vocabulary.carrier.help,
];
const replyWords = [
  ...Object.values(raw.words).flatMap((pack) => Object.values(pack).flat()),
  ...raw.slots,
  ...raw.revocations.en.exact,
  ...raw.revocations.en.phrases.slice(0, 5),
  ...raw.revocations.es.phrases.slice(0, 5),
];

/** Characters a hostile or broken sender produces, one UTF-16 unit or one code point each. */
const NASTY = [
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\u0085', // next line
  '\u00a0', // no-break space
  '\u2028', // line separator
  '\u202e', // right-to-left override
  '\u200b', // zero-width space
  '\ufeff', // byte-order mark
  '\ufffd',
  '\u0301', // a combining accent with nothing to combine with
  '\ufe0f',
  '\u{1f3fd}', // a skin tone alone
  '١', // Arabic-Indic one
  '१', // Devanagari one
  '１', // fullwidth one
  '𝟙', // mathematical double-struck one
  '①',
  '½',
  'ß',
  'ﬃ',
  'İ',
  'ǅ',
  '\r\n',
  '\t',
  "'; DROP TABLE messages; --",
  '<script>alert(1)</script>',
  '%00',
  '${jndi:ldap://x/a}',
];

const nasty = fc.constantFrom(...NASTY);
const known = fc.constantFrom(...carrierWords, ...replyWords);

/** Strings built from known words, hostile characters and random units, in any mix. */
const hostileText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  // Raw UTF-16 units: lone surrogates and half pairs, as invalid UTF-8 decodes to nothing better.
  {
    weight: 2,
    arbitrary: fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 200 })
      .map((units) => String.fromCharCode(...units)),
  },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof(known, nasty, fc.string({ maxLength: 3 }), fc.constantFrom(' ', '!', '.')), {
        maxLength: 12,
      })
      .map((parts) => parts.join('')),
  },
  // Huge: far past any SMS, with a keyword at either end.
  {
    weight: 1,
    arbitrary: fc
      .tuple(known, nasty, fc.integer({ min: 1_000, max: 60_000 }), fc.boolean())
      .map(([word, filler, n, atEnd]) =>
        atEnd ? filler.repeat(n) + word : word + filler.repeat(n),
      ),
  },
);

const KINDS = new Set<ReplyMeaning['kind']>([
  'opt_out',
  'opt_in',
  'help',
  'confirm',
  'reschedule',
  'cancel',
  'waitlist',
  'slot',
  'unrecognized',
]);

/** Each meaning carries exactly what its kind promises, taken from the vocabulary. */
function expectWellFormed(m: ReplyMeaning, body: string): void {
  expect(KINDS.has(m.kind)).toBe(true);
  switch (m.kind) {
    case 'opt_out':
      if (m.source === 'keyword') {
        expect(vocabulary.carrier.optOut.has(m.word)).toBe(true);
        expect(m.word).toBe(body.trim().toUpperCase());
      } else {
        expect(m.source).toBe('phrase');
        expect(
          vocabulary.revocationExact.has(m.phrase) ||
            vocabulary.revocationPhrases.includes(m.phrase),
        ).toBe(true);
      }
      break;
    case 'opt_in':
    case 'help':
      expect(carrierWords).toContain(m.word);
      expect(m.word).toBe(body.trim().toUpperCase());
      break;
    case 'slot':
      expect(Number.isInteger(m.choice)).toBe(true);
      expect(m.choice).toBeGreaterThanOrEqual(1);
      expect(m.choice).toBeLessThanOrEqual(vocabulary.slots.size);
      break;
    default:
      expect(Object.keys(m)).toEqual(['kind']);
  }
}

describe('the reply parser under hostile input', () => {
  it(`classifyReply never throws and always answers a well-formed meaning (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(hostileText, fc.boolean(), (body, optedOut) => {
        const m = classifyReply(body, { optedOut });
        expectWellFormed(m, body);
        // Pure: the same text means the same thing twice.
        expect(classifyReply(body, { optedOut })).toEqual(m);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it(`the carrier and consent keywords agree, and never throw (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(hostileText, fc.boolean(), (body, optedOut) => {
        const carrier = carrierKeyword(body, { optedOut });
        const consent = consentKeyword(body);
        if (carrier) expect(classifyReply(body, { optedOut })).toEqual(carrier);
        if (consent?.kind === 'opt_out') {
          expect(carrier).toEqual({ kind: 'opt_out', source: 'keyword', word: consent.keyword });
        }
        if (consent?.kind === 'opt_in' && !consent.onlyIfOptedOut) {
          expect(carrier).toEqual({ kind: 'opt_in', word: consent.keyword });
        }
        if (carrier === null) {
          expect(consent === null || (consent.kind === 'opt_in' && consent.onlyIfOptedOut)).toBe(
            true,
          );
        }
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it(`normaliseReply keeps letters, digits and single spaces, bounded (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(hostileText, (body) => {
        const n = normaliseReply(body);
        expect(typeof n).toBe('string');
        expect(n).toBe(n.trim());
        expect(n).not.toMatch(/ {2}/);
        expect(n).toMatch(/^[\p{L}\p{N} ]*$/u);
        // Folding can lengthen a character (ﬃ -> FFI), never without bound.
        expect(n.length).toBeLessThanOrEqual(2_000 * 18);
      }),
      { numRuns: RUNS, seed: SEED + 2 },
    );
  });

  it('reads digits of other scripts as the offer only when they fold to 1-3', () => {
    expect(classifyReply('１', { optedOut: false })).toEqual({ kind: 'slot', choice: 1 });
    expect(classifyReply('𝟚', { optedOut: false })).toEqual({ kind: 'slot', choice: 2 });
    expect(classifyReply('١', { optedOut: false })).toEqual({ kind: 'unrecognized' });
    expect(classifyReply('\ud800', { optedOut: false })).toEqual({ kind: 'unrecognized' });
    expect(classifyReply('C\u0000', { optedOut: false })).toEqual({ kind: 'confirm' });
  });
});
