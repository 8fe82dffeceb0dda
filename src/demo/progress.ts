import { Clock, SystemClock } from '../common/clock/clock';

/**
 * The demo's terminal output: one line per step, and for a long wait a line that counts up
 * (rewritten in place on a terminal, every 10 seconds on a pipe).
 */
export class Progress {
  private readonly started: number;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly clock: Clock = new SystemClock(),
  ) {
    this.started = this.ms();
  }

  /** The watcher's time: the demo plays against the running service on the system clock. */
  private ms(): number {
    return this.clock.now().getTime();
  }

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  elapsed(): string {
    return `${((this.ms() - this.started) / 1000).toFixed(0)} s`;
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
    const began = this.ms();
    let lastPrinted = 0;
    for (;;) {
      const result = await check();
      const waited = ((this.ms() - began) / 1000).toFixed(0);
      const line = `         ${what}: ${status()} (${waited} s)`;
      if (result !== undefined) {
        if (this.tty) this.out.write(`\r\x1b[K${line}\n`);
        else this.say(line);
        return result;
      }
      if (this.ms() - began > timeoutMs) {
        if (this.tty) this.out.write('\n');
        throw new Error(`gave up waiting ${timeoutMs / 1000} s for ${what}: ${status()}`);
      }
      if (this.tty) this.out.write(`\r\x1b[K${line}`);
      else if (this.ms() - lastPrinted > 10_000) {
        lastPrinted = this.ms();
        this.say(line);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
