/**
 * What a patient's text means, pure: the vocabulary is data (`config/replies.json`), checked once
 * at load, and nothing here touches the database, the clock or the patient's appointments. The
 * caller decides what a meaning does (a slot digit with no open offer is the caller's to refuse).
 *
 * Carrier keywords come first and are matched exactly as carriers match them (whole message,
 * trimmed, any case), so Turnout's idea of consent never drifts from the carrier's. Everything
 * else is matched on a normalised message: accents dropped, case folded, punctuation and emoji
 * around the word ignored. A confirm or reschedule word of five letters or more is also understood
 * with one typo (API.md); cancellations and carrier keywords never are, because acting on a
 * guessed cancellation or opt-out costs the patient their visit or their texts.
 */
import raw from '../../config/replies.json';

export const REPLY_LANGUAGES = ['en', 'es'] as const;

export type ReplyMeaning =
  /** a carrier keyword (STOP...), or a plain-language revocation ("stop texting me") */
  | { kind: 'opt_out'; source: 'keyword'; word: string }
  | { kind: 'opt_out'; source: 'phrase'; phrase: string }
  /** START, UNSTOP, or YES from someone who had opted out */
  | { kind: 'opt_in'; word: string }
  | { kind: 'help'; word: string }
  | { kind: 'confirm' }
  | { kind: 'reschedule' }
  | { kind: 'cancel' }
  /** 1-based position in the offer the patient was sent */
  | { kind: 'slot'; choice: number }
  | { kind: 'unrecognized' };

export type ReplyKind = ReplyMeaning['kind'];

export interface ReplyContext {
  /** YES re-subscribes an opted-out patient (as carriers do) and confirms for everyone else */
  optedOut: boolean;
}

export interface ReplyVocabulary {
  carrier: {
    optOut: ReadonlySet<string>;
    optIn: ReadonlySet<string>;
    optInWhenOptedOut: ReadonlySet<string>;
    help: ReadonlySet<string>;
  };
  /** normalised revocations that must be the whole message */
  revocationExact: ReadonlySet<string>;
  /** normalised revocations found as a run of whole words anywhere in the message */
  revocationPhrases: readonly string[];
  words: ReadonlyMap<string, 'confirm' | 'reschedule' | 'cancel'>;
  /** normalised slot word -> its 1-based position */
  slots: ReadonlyMap<string, number>;
  /** confirm and reschedule words long enough to be recognised with one typo */
  typoTolerant: readonly (readonly [string, 'confirm' | 'reschedule'])[];
  /** words a typo must not be near: a guess close to one of them goes to staff */
  exactOnly: readonly string[];
}

export class ReplyConfigError extends Error {}

// Skin tones and emoji presentation selectors: 👍🏽 is 👍.
const EMOJI_MODIFIERS = /\p{Emoji_Modifier}|\u{FE0E}|\u{FE0F}/gu;
const COMBINING_MARKS = /\p{M}+/gu;
// Anything that is neither a letter nor a digit: punctuation, symbols, emoji, spaces.
const NOT_WORD = /[^\p{L}\p{N}]+/gu;
/** Longer texts are conversations, not replies; bounding them keeps the work per message small. */
const MAX_NORMALISED = 500;

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(EMOJI_MODIFIERS, '')
    .toUpperCase();
}

/** "  ¡Sí!  " -> "SI"; "Don't text me." -> "DON T TEXT ME"; "👍" -> "". */
export function normaliseReply(text: string): string {
  return fold(text.slice(0, MAX_NORMALISED * 4))
    .replace(NOT_WORD, ' ')
    .trim();
}

/** What is left when the letters and digits are gone: "👍👍 !" -> "👍👍" (spaces dropped). */
function symbolsOf(text: string): string {
  return fold(text).replace(/[\s\p{P}]+/gu, '');
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw new ReplyConfigError(`${where} must be a list of non-empty strings`);
  }
  return value as string[];
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ReplyConfigError(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

/** Shorter words are one edit from too many others ("CHANCE" is a word; "YEP" is not "YES"). */
const TYPO_MIN_LENGTH = 5;

/**
 * At most one edit apart (optimal string alignment: one insertion, deletion, substitution or
 * swap of two neighbours), in linear time: the replies are short but the caller is the inbox.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  const [longer, shorter] = a.length > b.length ? [a, b] : [b, a];
  return longer.slice(i + 1) === shorter.slice(i);
}

const upper = (words: string[]) => new Set(words.map((w) => w.trim().toUpperCase()));

/** Reads and checks `config/replies.json`: a typo fails the start-up, not a patient's reply. */
export function loadReplyVocabulary(input: unknown): ReplyVocabulary {
  const root = record(input, 'replies');
  const carrier = record(root.carrier, 'carrier');
  const revocations = record(root.revocations, 'revocations');
  const wordsByLanguage = record(root.words, 'words');
  const revocationExact = new Set<string>();
  const revocationPhrases: string[] = [];
  const words = new Map<string, 'confirm' | 'reschedule' | 'cancel'>();
  for (const language of REPLY_LANGUAGES) {
    const rev = record(revocations[language], `revocations.${language}`);
    for (const p of strings(rev.exact, `revocations.${language}.exact`)) {
      revocationExact.add(normaliseReply(p));
    }
    for (const p of strings(rev.phrases, `revocations.${language}.phrases`)) {
      revocationPhrases.push(normaliseReply(p));
    }
    const pack = record(wordsByLanguage[language], `words.${language}`);
    for (const meaning of ['confirm', 'reschedule', 'cancel'] as const) {
      for (const w of strings(pack[meaning], `words.${language}.${meaning}`)) {
        const key = normaliseReply(w) || symbolsOf(w);
        const earlier = words.get(key);
        if (earlier && earlier !== meaning) {
          throw new ReplyConfigError(`${w} means both ${earlier} and ${meaning}`);
        }
        words.set(key, meaning);
      }
    }
  }
  const bases = record(root.typo_bases, 'typo_bases');
  const typoTolerant = [
    ...[...words].filter(
      (entry): entry is [string, 'confirm' | 'reschedule'] => entry[1] !== 'cancel',
    ),
    ...(['confirm', 'reschedule'] as const).flatMap((meaning) =>
      strings(bases[meaning] ?? [], `typo_bases.${meaning}`).map(
        (w) => [normaliseReply(w), meaning] as [string, 'confirm' | 'reschedule'],
      ),
    ),
  ].filter(([word]) => [...word].length >= TYPO_MIN_LENGTH);
  const unknownBase = Object.keys(bases).find((k) => k !== 'confirm' && k !== 'reschedule');
  if (unknownBase) {
    throw new ReplyConfigError(`typo_bases.${unknownBase}: only confirm and reschedule words`);
  }
  const carrierWords = [
    carrier.opt_out,
    carrier.opt_in,
    carrier.opt_in_when_opted_out,
    carrier.help,
  ].flatMap((list, i) => strings(list, `carrier[${i}]`));
  const exactOnly = [
    ...[...words].filter(([, meaning]) => meaning === 'cancel').map(([word]) => word),
    ...carrierWords.map((w) => normaliseReply(w)),
    ...revocationExact,
  ];
  const slots = new Map(
    strings(root.slots, 'slots').map((s, i) => [normaliseReply(s), i + 1] as const),
  );
  return {
    carrier: {
      optOut: upper(strings(carrier.opt_out, 'carrier.opt_out')),
      optIn: upper(strings(carrier.opt_in, 'carrier.opt_in')),
      optInWhenOptedOut: upper(
        strings(carrier.opt_in_when_opted_out, 'carrier.opt_in_when_opted_out'),
      ),
      help: upper(strings(carrier.help, 'carrier.help')),
    },
    revocationExact,
    revocationPhrases,
    words,
    slots,
    typoTolerant,
    exactOnly,
  };
}

export const REPLY_VOCABULARY: ReplyVocabulary = loadReplyVocabulary(raw);

/** A carrier keyword, matched as the carrier does: the whole message, trimmed, any case. */
export function carrierKeyword(
  body: string,
  context: ReplyContext,
  vocabulary: ReplyVocabulary = REPLY_VOCABULARY,
): Extract<ReplyMeaning, { kind: 'opt_out' | 'opt_in' | 'help' }> | null {
  const word = body.trim().toUpperCase();
  const { carrier } = vocabulary;
  if (carrier.optOut.has(word)) return { kind: 'opt_out', source: 'keyword', word };
  if (carrier.optIn.has(word)) return { kind: 'opt_in', word };
  if (context.optedOut && carrier.optInWhenOptedOut.has(word)) return { kind: 'opt_in', word };
  if (carrier.help.has(word)) return { kind: 'help', word };
  return null;
}

function revocation(normalised: string, vocabulary: ReplyVocabulary): string | null {
  if (vocabulary.revocationExact.has(normalised)) return normalised;
  const padded = ` ${normalised} `;
  return vocabulary.revocationPhrases.find((p) => padded.includes(` ${p} `)) ?? null;
}

/** What `body` means. Never throws: any string has a meaning, if only `unrecognized`. */
export function classifyReply(
  body: string,
  context: ReplyContext,
  vocabulary: ReplyVocabulary = REPLY_VOCABULARY,
): ReplyMeaning {
  const keyword = carrierKeyword(body, context, vocabulary);
  if (keyword) return keyword;
  const normalised = normaliseReply(body);
  const phrase = revocation(normalised, vocabulary);
  if (phrase) return { kind: 'opt_out', source: 'phrase', phrase };
  // A message of symbols only ("👍", "👍🏽!") is read by its symbols.
  const key = normalised === '' ? symbolsOf(body.slice(0, MAX_NORMALISED)) : normalised;
  const word = vocabulary.words.get(key);
  if (word) return { kind: word };
  const choice = vocabulary.slots.get(key);
  if (choice !== undefined) return { kind: 'slot', choice };
  const guess = typoMeaning(key, vocabulary);
  if (guess) return { kind: guess };
  return { kind: 'unrecognized' };
}

/**
 * The one meaning a single word is one typo away from, or null when there is none, more than one,
 * or the word is as close to a cancellation or carrier keyword (a person decides those).
 */
function typoMeaning(key: string, vocabulary: ReplyVocabulary): 'confirm' | 'reschedule' | null {
  if ([...key].length < TYPO_MIN_LENGTH - 1 || key.includes(' ')) return null;
  const meanings = new Set(
    vocabulary.typoTolerant.filter(([word]) => withinOneEdit(key, word)).map(([, m]) => m),
  );
  if (meanings.size !== 1) return null;
  if (vocabulary.exactOnly.some((word) => withinOneEdit(key, word))) return null;
  return [...meanings][0];
}
