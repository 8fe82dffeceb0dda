import fc from 'fast-check';
import { countSegments } from './segments';

const EMOJI = '😀';

describe('countSegments', () => {
  describe('reference vectors', () => {
    it.each([
      ['160 x a', 'a'.repeat(160), 'GSM-7', 1, 160],
      ['161 x a', 'a'.repeat(161), 'GSM-7', 2, 161],
      ['306 x a', 'a'.repeat(306), 'GSM-7', 2, 306],
      ['307 x a', 'a'.repeat(307), 'GSM-7', 3, 307],
      ['80 x €', '€'.repeat(80), 'GSM-7', 1, 160],
      ['159 x a + €', 'a'.repeat(159) + '€', 'GSM-7', 2, 161],
      ['69 x a + ’', 'a'.repeat(69) + '’', 'UCS-2', 1, 70],
      ['70 x a + ’', 'a'.repeat(70) + '’', 'UCS-2', 2, 71],
      ['35 emoji', EMOJI.repeat(35), 'UCS-2', 1, 70],
      ['36 emoji', EMOJI.repeat(36), 'UCS-2', 2, 72],
    ])('%s', (_name, text, encoding, segments, units) => {
      expect(countSegments(text)).toEqual({ encoding, segments, units });
    });
  });

  it('bills an empty message as one segment of zero units', () => {
    expect(countSegments('')).toEqual({ encoding: 'GSM-7', segments: 1, units: 0 });
  });

  it('costs two septets for every extension-table character, form feed included', () => {
    expect(countSegments('^{}\\[~]|€\f').units).toBe(20);
  });

  it('keeps GSM-7 for the basic table, newlines and accented letters it contains', () => {
    expect(countSegments('Ñoño @ £5\r\nÄÖÜ äöü ¿¡ § èéùìò').encoding).toBe('GSM-7');
  });

  it('switches the whole message to UCS-2 for one character outside GSM-7', () => {
    expect(countSegments('Lakeside Dental: reply C to confirm. ç')).toEqual({
      encoding: 'UCS-2',
      segments: 1,
      units: 38,
    });
  });

  it('forces UCS-2 for Spanish accents that GSM-7 lacks (á í ó ú; é and ñ are in it)', () => {
    expect(countSegments('Su cita es mañana a las 9:30. ¿Confirmará?').encoding).toBe('UCS-2');
    expect(countSegments('Mañana, café').encoding).toBe('GSM-7');
  });

  describe('part boundaries', () => {
    it('moves an escape pair that would straddle a part boundary into the next part', () => {
      // 306 septets divide into 2 x 153, but the € cannot be split after septet 152.
      const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
      expect(countSegments(text)).toEqual({ encoding: 'GSM-7', segments: 3, units: 306 });
    });

    it('fills a part exactly when the escape pair ends on the boundary', () => {
      const text = 'a'.repeat(151) + '€' + 'a'.repeat(153);
      expect(countSegments(text)).toEqual({ encoding: 'GSM-7', segments: 2, units: 306 });
    });

    it('moves a surrogate pair that would straddle a part boundary into the next part', () => {
      // 134 units divide into 2 x 67, but the emoji cannot be split after unit 66.
      const text = 'a'.repeat(66) + EMOJI + 'a'.repeat(66);
      expect(countSegments(text)).toEqual({ encoding: 'UCS-2', segments: 3, units: 134 });
    });

    it('does not apply multipart packing to a message that fits in one segment', () => {
      expect(countSegments('a'.repeat(152) + '€' + 'a'.repeat(6)).segments).toBe(1);
    });
  });

  it('counts as the code-point-by-code-point rule does, for any text (the one-pass GSM-7 path included)', () => {
    const gsm = Array.from(
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡AZÄÖÑÜ§¿azäöñüà^{}\\[~]|€\f',
    );
    const char = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...gsm) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.constantFrom('á', EMOJI, '\ud800', '\udc00') },
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 400 }), (chars) => {
        const text = chars.join('');
        const points = Array.from(text);
        const costs = points.map(reference);
        const expected = costs.every((c): c is number => c !== null)
          ? packed('GSM-7', costs, 160, 153)
          : packed(
              'UCS-2',
              points.map((p) => p.length),
              70,
              67,
            );
        expect(countSegments(text)).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});

const GSM_BASIC_REF =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The rule as TS 23.038 states it, character by character (the spec's own copy). */
function reference(char: string): number | null {
  if (GSM_BASIC_REF.includes(char)) return 1;
  if ('^{}\\[~]|€\f'.includes(char)) return 2;
  return null;
}

function packed(
  encoding: 'GSM-7' | 'UCS-2',
  costs: number[],
  single: number,
  perPart: number,
): { encoding: 'GSM-7' | 'UCS-2'; segments: number; units: number } {
  const units = costs.reduce((a, b) => a + b, 0);
  if (units <= single) return { encoding, segments: 1, units };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > perPart) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, segments, units };
}
