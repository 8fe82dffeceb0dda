/**
 * RFC 4180 CSV: CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF, quotes
 * doubled inside. Text cells that a spreadsheet would run as a formula (starting with = + - @,
 * or a tab or CR, which some programs skip before looking) get a leading apostrophe, as OWASP
 * advises; numbers are written as numbers and never altered.
 */
export type CsvCell = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: CsvCell[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/**
 * A CSV body as a download: sets the content type and the attachment's file name on the
 * response and returns the body for Nest to send (controllers use `@Res({ passthrough: true })`).
 */
export function csvDownload(
  res: { setHeader(name: string, value: string): unknown },
  fileName: string,
  body: string,
): string {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
  return body;
}
