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

export function countSegments(text: string): SegmentCount {
  const { encoding, costs } = charCosts(text);
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const limits = LIMITS[encoding];
  const segments = units <= limits.single ? 1 : countParts(costs, limits.perPart);
  return { encoding, segments, units };
}
