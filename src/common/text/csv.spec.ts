import { csvCell, toCsv } from './csv';

describe('csv', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['Dr. Müller', 'Dr. Müller'],
  ])('quotes %j as %j (RFC 4180)', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+1 312', "'+1 312"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=cmd', "'\t=cmd"],
    ['\r=cmd', `"'\r=cmd"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
  ])('neutralises the formula-like text %j as %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('writes numbers as numbers (a negative count is not a formula) and null as empty', () => {
    expect(csvCell(0.25)).toBe('0.25');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
  });

  it('ends every record, the header included, with CRLF', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x', 1],
          [null, '=y'],
        ],
      ),
    ).toBe("a,b\r\nx,1\r\n,'=y\r\n");
  });
});
