/**
 * Text PostgreSQL cannot hold: U+0000 (in `text` and in `jsonb`), and UTF-16 surrogates that
 * are not part of a pair (they have no UTF-8 form; the driver would silently turn them into
 * U+FFFD, so what is stored differs from what was checked).
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/**
 * The same text with each unstorable code unit replaced by U+FFFD, one for one, so the length
 * (and the SMS segment count) of what a patient sent stays as it was.
 */
export function storableText(value: string): string {
  return isStorableText(value) ? value : value.replace(UNSTORABLE_ALL, '\ufffd');
}

/** Every string inside a JSON-like value made storable; other values are kept as they are. */
export function storableDeep<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => storableDeep(v)) as T;
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [storableText(k), storableDeep(v)]),
    ) as T;
  }
  return value;
}

/**
 * Paths (`patient.name`, `slots.3.practitioner`) of the strings, and object keys, in a parsed
 * JSON value that PostgreSQL could not store. Iterative, so no nesting depth can overflow it.
 */
export function unstorablePaths(root: unknown, rootPath = ''): string[] {
  const found: string[] = [];
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (!isStorableText(value)) found.push(path || 'value');
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${key}` : key;
        if (!isStorableText(key)) found.push(storableText(childPath));
        else stack.push([child, childPath]);
      }
    }
  }
  return found.sort();
}
