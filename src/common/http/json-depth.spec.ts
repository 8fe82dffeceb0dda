import { assertJsonDepth, JsonTooDeepError } from './json-depth';

describe('assertJsonDepth', () => {
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it('accepts up to the limit and refuses beyond it', () => {
    expect(() => assertJsonDepth(Buffer.from(nested(3)), 3)).not.toThrow();
    expect(() => assertJsonDepth(Buffer.from(nested(4)), 3)).toThrow(JsonTooDeepError);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const body = JSON.stringify({ a: '[[[[[[{{{{', b: 'say \\"[[[[[[[[' });
    expect(() => assertJsonDepth(Buffer.from(body), 2)).not.toThrow();
  });

  it('refuses 5,000 levels without overflowing', () => {
    expect(() => assertJsonDepth(Buffer.from(`{"zz":${nested(5000)}}`))).toThrow(JsonTooDeepError);
  });
});
