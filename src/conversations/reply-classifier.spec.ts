import fc from 'fast-check';
import raw from '../../config/replies.json';
import {
  classifyReply,
  loadReplyVocabulary,
  normaliseReply,
  ReplyConfigError,
  ReplyMeaning,
  REPLY_VOCABULARY,
  withinOneEdit,
} from './reply-classifier';

const meaning = (body: string, optedOut = false) => classifyReply(body, { optedOut });

describe('classifyReply', () => {
  describe('carrier keywords, decided first and matched as carriers match them', () => {
    it.each(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])(
      '%s opts out, naming the word, in any case and with surrounding whitespace',
      (word) => {
        const expected: ReplyMeaning = { kind: 'opt_out', source: 'keyword', word };
        expect(meaning(word)).toEqual(expected);
        expect(meaning(`  ${word.toLowerCase()}\n`)).toEqual(expected);
        expect(meaning(word, true)).toEqual(expected);
      },
    );

    it.each(['START', 'UNSTOP'])('%s opts in whether or not the patient had opted out', (word) => {
      expect(meaning(` ${word.toLowerCase()} `)).toEqual({ kind: 'opt_in', word });
      expect(meaning(word, true)).toEqual({ kind: 'opt_in', word });
    });

    it('YES opts in an opted-out patient and confirms for everyone else', () => {
      expect(meaning('Yes', true)).toEqual({ kind: 'opt_in', word: 'YES' });
      expect(meaning('Yes', false)).toEqual({ kind: 'confirm' });
    });

    it.each(['HELP', 'help', ' Info '])('%j asks for help', (body) => {
      expect(meaning(body)).toEqual({ kind: 'help', word: body.trim().toUpperCase() });
    });

    it('CANCEL is the carrier opt-out, not an appointment cancellation', () => {
      expect(meaning('Cancel')).toEqual({ kind: 'opt_out', source: 'keyword', word: 'CANCEL' });
    });
  });

  describe('plain-language revocations', () => {
    it.each([
      ['stop texting me', 'STOP TEXTING ME'],
      ['Please STOP texting me!!', 'STOP TEXTING ME'],
      ['no more messages', 'NO MORE MESSAGES'],
      ["Don't text me again", 'DON T TEXT ME'],
      ['Stop!', 'STOP'],
      ['no me manden mensajes', 'NO ME MANDEN MENSAJES'],
      ['Ya no me manden mensajes, gracias', 'NO ME MANDEN MENSAJES'],
      ['para de enviarme mensajes', 'PARA DE ENVIARME MENSAJES'],
      ['No me envíen más mensajes', 'NO ME ENVIEN MAS MENSAJES'],
      ['NO MÁS MENSAJES 🙏', 'NO MAS MENSAJES'],
    ])('%j is an opt-out by phrase', (body, phrase) => {
      expect(meaning(body)).toEqual({ kind: 'opt_out', source: 'phrase', phrase });
    });

    it.each(["I'll stop by at 3", 'stopping by later', 'can I get more messages like this'])(
      '%j is not a revocation',
      (body) => {
        expect(meaning(body).kind).not.toBe('opt_out');
      },
    );
  });

  describe('workflow words', () => {
    it.each([
      ['C', 'confirm'],
      ['C.', 'confirm'],
      ['c', 'confirm'],
      ['CONFIRM', 'confirm'],
      ['Y', 'confirm'],
      [' yes! ', 'confirm'],
      ['OK', 'confirm'],
      ['ok 👍', 'confirm'],
      ['Sí', 'confirm'],
      ['si.', 'confirm'],
      ['¡SÍ!', 'confirm'],
      ['👍', 'confirm'],
      ['👍🏽', 'confirm'],
      [' 👍 ', 'confirm'],
      ['R', 'reschedule'],
      ['reschedule', 'reschedule'],
      ['Change?', 'reschedule'],
      ['cambiar', 'reschedule'],
      ['x', 'cancel'],
      ['X!', 'cancel'],
      ['Cancelar', 'cancel'],
      ['CANCELAR.', 'cancel'],
    ])('%j means %s', (body, kind) => {
      expect(meaning(body)).toEqual({ kind });
    });

    it.each([
      ['1', 1],
      ['2', 2],
      [' 3. ', 3],
      ['#2', 2],
    ])('%j picks offered slot %d', (body, choice) => {
      expect(meaning(body)).toEqual({ kind: 'slot', choice });
    });
  });

  describe('what must not match', () => {
    it.each([
      'Can I come at 3?',
      'yes but later',
      'CX',
      'C X',
      'yes yes',
      '4',
      '0',
      '12',
      '1 or 2',
      'okay maybe',
      'confirmed?? what time',
      'STOP STOP',
      'S T O P',
      'cancel it',
      '👎',
      '👍👎',
      '',
      '   ',
      '...',
    ])('%j is unrecognized', (body) => {
      expect(meaning(body)).toEqual({ kind: 'unrecognized' });
    });
  });

  describe('one typo in a confirm or reschedule word of five letters or more', () => {
    it.each([
      ['confrim', 'confirm'],
      ['Confrim!', 'confirm'],
      ['comfirm', 'confirm'],
      ['confirn', 'confirm'],
      ['cofirm', 'confirm'],
      ['confirmm', 'confirm'],
      ['reschedual', 'reschedule'],
      ['rescheduel', 'reschedule'],
      ['reshedule', 'reschedule'],
      ['reeschedule', 'reschedule'],
      ['chnage', 'reschedule'],
      ['chang', 'reschedule'],
      ['canbiar', 'reschedule'],
    ])('%j means %s', (body, kind) => {
      expect(meaning(body)).toEqual({ kind });
    });

    it.each([
      ['cancle', 'a cancellation is never guessed'],
      ['cancelr', 'a cancellation is never guessed'],
      ['canclear', 'a cancellation is never guessed'],
      ['xx', 'a cancellation is never guessed'],
      ['stpo', 'a carrier keyword is never guessed'],
      ['stopp', 'a carrier keyword is never guessed'],
      ['unsubscibe', 'a carrier keyword is never guessed'],
      ['cancell', 'a carrier keyword is never guessed'],
      ['yse', 'words under five letters are matched exactly'],
      ['okk', 'words under five letters are matched exactly'],
      ['confrim please', 'a typo is read only as the whole message'],
      ['cnofrmi', 'two edits are not one'],
    ])('%j is unrecognized: %s', (body) => {
      expect(meaning(body)).toEqual({ kind: 'unrecognized' });
    });

    it('reads a patient who opted out the same way (YES stays the carrier word)', () => {
      expect(meaning('confrim', true)).toEqual({ kind: 'confirm' });
    });
  });

  it('never classifies as a cancellation or an opt-out a message that is not exactly one', () => {
    const cancelWords = [...REPLY_VOCABULARY.words]
      .filter(([, kind]) => kind === 'cancel')
      .map(([word]) => word);
    const optOutWords = [...REPLY_VOCABULARY.carrier.optOut, ...REPLY_VOCABULARY.revocationExact];
    const near = [...cancelWords, ...optOutWords, 'CANCELAR', 'CONFIRM', 'RESCHEDULE', 'CHANGE'];
    // One random edit (or a few) of the words closest to the danger, in any case.
    const edited = fc
      .tuple(
        fc.constantFrom(...near),
        fc.array(
          fc.tuple(
            fc.constantFrom('insert', 'delete', 'substitute', 'swap'),
            fc.nat(20),
            fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ XS.!'),
          ),
          { minLength: 1, maxLength: 2 },
        ),
        fc.boolean(),
      )
      .map(([word, edits, lower]) => {
        let s = word;
        for (const [op, at, ch] of edits) {
          const i = at % (s.length + 1);
          if (op === 'insert') s = s.slice(0, i) + ch + s.slice(i);
          else if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
          else if (op === 'substitute') s = s.slice(0, i) + ch + s.slice(i + 1);
          else s = s.slice(0, i) + s.slice(i + 1, i + 2) + s.slice(i, i + 1) + s.slice(i + 2);
        }
        return lower ? s.toLowerCase() : s;
      });
    fc.assert(
      fc.property(
        fc.oneof(edited, fc.string({ unit: 'grapheme', maxLength: 12 })),
        fc.boolean(),
        (body, optedOut) => {
          const got = classifyReply(body, { optedOut });
          const normalised = normaliseReply(body);
          if (got.kind === 'cancel') {
            expect(REPLY_VOCABULARY.words.get(normalised)).toBe('cancel');
          }
          if (got.kind === 'opt_out' && got.source === 'keyword') {
            expect(REPLY_VOCABULARY.carrier.optOut).toContain(body.trim().toUpperCase());
          }
          if (got.kind === 'opt_out' && got.source === 'phrase') {
            expect(` ${normalised} `).toContain(` ${got.phrase} `);
            expect(
              REPLY_VOCABULARY.revocationExact.has(normalised) ||
                REPLY_VOCABULARY.revocationPhrases.includes(got.phrase),
            ).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never throws, whatever arrives, and always answers with a known meaning', () => {
    const kinds = [
      'opt_out',
      'opt_in',
      'help',
      'confirm',
      'reschedule',
      'cancel',
      'slot',
      'unrecognized',
    ];
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary' })),
        fc.boolean(),
        (body, optedOut) => {
          expect(kinds).toContain(classifyReply(body, { optedOut }).kind);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads a long message in bounded time', () => {
    const body = 'please '.repeat(200_000) + 'stop texting me';
    const started = process.hrtime.bigint();
    expect(meaning(body).kind).toBe('unrecognized');
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });
});

describe('withinOneEdit', () => {
  it.each([
    ['CONFIRM', 'CONFIRM', true],
    ['CONFRIM', 'CONFIRM', true],
    ['CONFIR', 'CONFIRM', true],
    ['CONFIRMS', 'CONFIRM', true],
    ['CONFIXM', 'CONFIRM', true],
    ['OCNFIRM', 'CONFIRM', true],
    ['CONFIRMED', 'CONFIRM', false],
    ['CNOFIMR', 'CONFIRM', false],
    ['CONFIRM', 'CONFIRMED', false],
    ['', 'A', true],
    ['AB', 'BA', true],
    ['ABC', 'CBA', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(withinOneEdit(a, b)).toBe(expected);
    expect(withinOneEdit(b, a)).toBe(expected);
  });
});

describe('normaliseReply', () => {
  it('folds case and accents and turns punctuation and emoji into single spaces', () => {
    expect(normaliseReply('  ¡Sí!  ')).toBe('SI');
    expect(normaliseReply("Don't  text—me 🙏")).toBe('DON T TEXT ME');
    expect(normaliseReply('👍')).toBe('');
  });
});

describe('loadReplyVocabulary', () => {
  it('accepts the shipped file', () => {
    expect(() => loadReplyVocabulary(raw)).not.toThrow();
  });

  it('refuses a word that means two things', () => {
    const bad = structuredClone(raw);
    bad.words.es.cancel.push('c');
    expect(() => loadReplyVocabulary(bad)).toThrow(ReplyConfigError);
    expect(() => loadReplyVocabulary(bad)).toThrow('c means both confirm and cancel');
  });

  it('refuses a typo base for a cancellation: cancellations are never guessed', () => {
    const bad = { ...raw, typo_bases: { ...raw.typo_bases, cancel: ['CANCELLAR'] } };
    expect(() => loadReplyVocabulary(bad)).toThrow('typo_bases.cancel');
  });

  it('names a missing list', () => {
    const bad = structuredClone(raw) as Record<string, unknown>;
    delete (bad.words as Record<string, unknown>).en;
    expect(() => loadReplyVocabulary(bad)).toThrow('words.en must be an object');
  });
});
