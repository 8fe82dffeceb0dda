/**
 * What runs once the service is up (listening, loops claiming). The one subscriber is the
 * production entry (src/main-bundled.ts), which then saves V8's code cache of the bundle. It
 * loads main from another file than this one, so they meet on a global symbol.
 */
const STARTED = Symbol.for('turnout.started');

type Registry = Record<symbol, (() => void) | undefined>;

export function onStarted(listener: () => void): void {
  (globalThis as unknown as Registry)[STARTED] = listener;
}

export function announceStarted(): void {
  const listener = (globalThis as unknown as Registry)[STARTED];
  (globalThis as unknown as Registry)[STARTED] = undefined;
  listener?.();
}
