import corpus from '../../test/fixtures/replies-corpus.json';
import { classifyReply, type ReplyKind } from './reply-classifier';

/**
 * The classifier against replies as patients type them (issue 22, point 8). Each reply carries
 * the answer a person would give; the classifier is right when it agrees, sends to staff when it
 * does not understand (a person reads it: slow, never harmful), and is wrong when it acts on a
 * meaning the person would not. The counts are printed so a change to the vocabulary or the
 * typo rule shows its effect; a wrong cancellation or opt-out is never acceptable.
 */
type Answer = ReplyKind | 'staff';

interface Tally {
  right: number;
  wrong: number;
  toStaff: number;
  wrongActions: { text: string; answer: Answer; got: ReplyKind }[];
}

function tally(): Tally {
  const result: Tally = { right: 0, wrong: 0, toStaff: 0, wrongActions: [] };
  for (const { text, answer } of corpus.replies as { text: string; answer: Answer }[]) {
    const got = classifyReply(text, { optedOut: false }).kind;
    const expected = answer === 'staff' ? 'unrecognized' : answer;
    if (got === expected) result.right += 1;
    else if (got === 'unrecognized') result.toStaff += 1;
    else {
      result.wrong += 1;
      result.wrongActions.push({ text, answer, got });
    }
  }
  return result;
}

describe('the reply corpus (test/fixtures/replies-corpus.json)', () => {
  const result = tally();

  it('holds at least 200 replies', () => {
    expect(corpus.replies.length).toBeGreaterThanOrEqual(200);
  });

  it('reports right / wrong / sent-to-staff', () => {
    // The figure for the commit and the docs; the assertions below are what must hold.
    process.stdout.write(
      `reply corpus: ${corpus.replies.length} replies, ${result.right} right, ` +
        `${result.wrong} wrong, ${result.toStaff} sent to staff\n` +
        result.wrongActions.map((w) => `  wrong: ${JSON.stringify(w)}\n`).join(''),
    );
    expect(result.right + result.wrong + result.toStaff).toBe(corpus.replies.length);
  });

  it('never cancels an appointment or opts a patient out when a person would not', () => {
    const harmful = result.wrongActions.filter((w) => w.got === 'cancel' || w.got === 'opt_out');
    expect(harmful).toEqual([]);
  });
});
