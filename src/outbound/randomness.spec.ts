import { uuidV7 } from './randomness';

describe('uuidV7', () => {
  const AT = Date.parse('2026-11-29T15:30:00.123Z');

  it('is a version-7, RFC 9562 variant UUID carrying the millisecond', () => {
    const id = uuidV7(AT);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(AT);
  });

  it('sorts by time, and differs within one millisecond', () => {
    const ids = [uuidV7(AT + 2), uuidV7(AT), uuidV7(AT + 1)];
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
    expect(uuidV7(AT)).not.toBe(uuidV7(AT));
  });

  it('keeps the random bits it is given, apart from version and variant', () => {
    const id = uuidV7(AT, Buffer.alloc(10, 0xff));
    expect(id.slice(14)).toBe('7fff-bfff-ffffffffffff');
  });
});
