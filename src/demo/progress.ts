/**
 * The demo's terminal output: one line per step, and for a long wait a line that counts up
 * (rewritten in place on a terminal, every 10 seconds on a pipe).
 */
export class Progress {
  private readonly started = Date.now();

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(0)} s`;
  }

  say(line = ''): void {
    this.out.write(`${line}\n`);
  }

  step(line: string): void {
    this.say(`[${this.elapsed().padStart(5)}] ${line}`);
  }

  /**
   * Polls `check` every `everyMs` until it answers a value that is not undefined, showing what
   * `status` says meanwhile; throws after `timeoutMs` naming what it waited for.
   */
  async until<T>(
    what: string,
    check: () => Promise<T | undefined>,
    status: () => string,
    timeoutMs: number,
    everyMs = 500,
  ): Promise<T> {
    const began = Date.now();
    let lastPrinted = 0;
    for (;;) {
      const result = await check();
      const waited = ((Date.now() - began) / 1000).toFixed(0);
      const line = `         ${what}: ${status()} (${waited} s)`;
      if (result !== undefined) {
        if (this.tty) this.out.write(`\r\x1b[K${line}\n`);
        else this.say(line);
        return result;
      }
      if (Date.now() - began > timeoutMs) {
        if (this.tty) this.out.write('\n');
        throw new Error(`gave up waiting ${timeoutMs / 1000} s for ${what}: ${status()}`);
      }
      if (this.tty) this.out.write(`\r\x1b[K${line}`);
      else if (Date.now() - lastPrinted > 10_000) {
        lastPrinted = Date.now();
        this.say(line);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
