import { REPLY_VOCABULARY } from './reply-classifier';

/**
 * The US carriers' consent keywords, mirrored exactly as carriers and Twilio match them (the whole
 * message, trimmed, any case) so Turnout's idea of consent never drifts from the carrier's: a
 * patient the carrier has blocked is opted out here too, and only they unblock it. The words
 * live in `config/replies.json`, with the rest of the reply vocabulary.
 */
const { optOut: OPT_OUT, optIn: OPT_IN, optInWhenOptedOut } = REPLY_VOCABULARY.carrier;

export type ConsentKeyword =
  | { kind: 'opt_out'; keyword: string }
  /** START and UNSTOP always; YES only re-subscribes someone who had opted out */
  | { kind: 'opt_in'; keyword: string; onlyIfOptedOut: boolean };

export function consentKeyword(body: string): ConsentKeyword | null {
  const word = body.trim().toUpperCase();
  if (OPT_OUT.has(word)) return { kind: 'opt_out', keyword: word };
  if (OPT_IN.has(word)) return { kind: 'opt_in', keyword: word, onlyIfOptedOut: false };
  if (optInWhenOptedOut.has(word)) return { kind: 'opt_in', keyword: word, onlyIfOptedOut: true };
  return null;
}
