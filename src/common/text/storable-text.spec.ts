import { isStorableText, storableDeep, storableText, unstorablePaths } from './storable-text';

describe('storable text', () => {
  it.each([
    ['plain', 'Dr. Kim', true],
    ['emoji (a surrogate pair)', 'ok 👍', true],
    ['NUL', 'a\u0000b', false],
    ['lone high surrogate', 'Dr. \ud800', false],
    ['lone low surrogate', '\udc00x', false],
    ['pair reversed', '\udc00\ud800', false],
  ])('%s', (_name, text, ok) => {
    expect(isStorableText(text)).toBe(ok);
    expect(isStorableText(storableText(text))).toBe(true);
    expect(storableText(text)).toHaveLength(text.length);
  });

  it('replaces deep inside a value and names the paths', () => {
    const value = { a: ['x', 'y\u0000'], b: { c: '\ud800' }, n: 1 };
    expect(storableDeep(value)).toEqual({ a: ['x', 'y\ufffd'], b: { c: '\ufffd' }, n: 1 });
    expect(unstorablePaths(value)).toEqual(['a.1', 'b.c']);
  });
});
