/**
 * A start-up failure a newcomer can meet and fix: its message is one line that names the cause
 * and the fix, printed without a stack.
 */
export class StartupError extends Error {}
