import { ManualClock } from '../common/clock/clock';
import { FailureStreakLog } from './failure-streak-log';

function setup() {
  const clock = new ManualClock('2026-12-01T12:00:00Z');
  const lines: string[] = [];
  const log = new FailureStreakLog(
    { error: (m) => lines.push(`error ${m}`), log: (m) => lines.push(`log ${m}`) },
    clock,
    30_000,
  );
  return { clock, lines, log };
}

describe('FailureStreakLog', () => {
  it('logs an outage of 20 failures a second for a minute in a handful of lines', () => {
    const { clock, lines, log } = setup();
    for (let i = 0; i < 1_200; i++) {
      log.failed(
        i % 2 ? 'pass failed: Connection terminated' : 'pass failed: connect ECONNREFUSED',
      );
      clock.advance(50);
    }
    log.succeeded();
    expect(lines).toEqual([
      'error pass failed: connect ECONNREFUSED',
      'error pass failed: connect ECONNREFUSED (599 more failures since the last line)',
      'log recovered after 1200 failures in a row',
    ]);
  });

  it('logs a single failure once, with no recovery line, and every failure of a new streak', () => {
    const { clock, lines, log } = setup();
    log.succeeded();
    log.failed('pass failed: a');
    log.succeeded();
    clock.advance(1_000);
    log.failed('pass failed: b');
    log.succeeded();
    log.succeeded();
    expect(lines).toEqual(['error pass failed: a', 'error pass failed: b']);
  });
});
