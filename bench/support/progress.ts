/**
 * Progress for long bench steps, on a terminal only (a redirected run keeps a clean log): a line
 * every few seconds with the count so far and the rate, then one line when done.
 */
export interface Progress {
  add(count: number): void;
  done(): void;
}

const EVERY_MS = 3_000;

export function progress(label: string, total: number, stream = process.stderr): Progress {
  const started = performance.now();
  let count = 0;
  let shownAt = started;
  const line = (now: number) => {
    const seconds = (now - started) / 1000;
    const rate = seconds > 0 ? Math.round(count / seconds) : 0;
    const share = total > 0 ? ` (${Math.floor((count / total) * 100)}%)` : '';
    return `${label}: ${count.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}${share}, ${rate.toLocaleString('en-US')}/s, ${seconds.toFixed(0)} s`;
  };
  return {
    add(n: number) {
      count += n;
      const now = performance.now();
      if (stream.isTTY && now - shownAt >= EVERY_MS) {
        shownAt = now;
        stream.write(`${line(now)}\n`);
      }
    },
    done() {
      if (stream.isTTY) stream.write(`${line(performance.now())} done\n`);
    },
  };
}
