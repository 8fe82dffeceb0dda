/**
 * SMS segment counting, the unit providers bill and throttle by (3GPP TS 23.038 / 23.040).
 *
 * An empty message is 0 units and 1 segment: providers still send (and bill) one PDU for it.
 */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  segments: number;
  /** septets for GSM-7, UTF-16 code units for UCS-2 */
  units: number;
}

interface Limits {
  single: number;
  /** smaller than `single`: each part of a concatenated message carries a 6/7-octet UDH */
  perPart: number;
}

const LIMITS: Record<SmsEncoding, Limits> = {
  'GSM-7': { single: 160, perPart: 153 },
  'UCS-2': { single: 70, perPart: 67 },
};

const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

/** Sent as ESC + char, so each costs two septets and the pair can never be split. */
const GSM7_EXTENSION = new Set('^{}\\[~]|€\f');

/**
 * Septets per UTF-16 code unit, 0 for a unit GSM-7 lacks (every GSM-7 character is one code
 * unit, so a surrogate half is never GSM-7).
 */
const GSM7_UNIT_COST = new Uint8Array(0x10000);
for (const char of GSM7_BASIC) GSM7_UNIT_COST[char.charCodeAt(0)] = 1;
for (const char of GSM7_EXTENSION) GSM7_UNIT_COST[char.charCodeAt(0)] = 2;

function gsm7Cost(char: string): number | null {
  if (GSM7_BASIC.has(char)) return 1;
  if (GSM7_EXTENSION.has(char)) return 2;
  return null;
}

/** Iterating by code point keeps surrogate pairs whole; GSM-7 costs keep escape pairs whole. */
function charCosts(text: string): { encoding: SmsEncoding; costs: number[] } {
  const chars = Array.from(text);
  const gsm = chars.map(gsm7Cost);
  if (gsm.every((cost): cost is number => cost !== null)) {
    return { encoding: 'GSM-7', costs: gsm };
  }
  return { encoding: 'UCS-2', costs: chars.map((char) => char.length) };
}

/** Greedy packing, as handsets and SMSCs do: a char that does not fit starts the next part. */
function countParts(costs: number[], perPart: number): number {
  let parts = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > perPart) {
      parts += 1;
      used = 0;
    }
    used += cost;
  }
  return parts;
}

/**
 * Segments, encoding and units of `text`. Nearly every text Turnout sends is GSM-7 in one
 * segment: that case is one pass over the code units, with no array built (the dispatcher
 * counts every reminder it sends); anything else takes the general path.
 */
export function countSegments(text: string): SegmentCount {
  let units = 0;
  for (let i = 0; i < text.length && units <= LIMITS['GSM-7'].single; i += 1) {
    const cost = GSM7_UNIT_COST[text.charCodeAt(i)];
    if (cost === 0) return countAnySegments(text);
    units += cost;
  }
  if (units <= LIMITS['GSM-7'].single) return { encoding: 'GSM-7', segments: 1, units };
  return countAnySegments(text);
}

function countAnySegments(text: string): SegmentCount {
  const { encoding, costs } = charCosts(text);
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const limits = LIMITS[encoding];
  const segments = units <= limits.single ? 1 : countParts(costs, limits.perPart);
  return { encoding, segments, units };
}
