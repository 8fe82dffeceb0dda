import { SenderCircuits } from './sender-circuit';

function setup() {
  let now = 0;
  const circuits = new SenderCircuits(
    { threshold: 3, backoff: { baseMs: 1_000, capMs: 8_000 }, probeTimeoutMs: 2_000 },
    () => now,
    () => 0,
  );
  return { circuits, advance: (ms: number) => (now += ms) };
}

describe('SenderCircuits', () => {
  it('lets everything through while the provider answers', () => {
    const { circuits } = setup();
    expect(circuits.admit('s', 50)).toEqual({ allowed: 50, retryInMs: 0 });
    circuits.failed('s');
    circuits.failed('s');
    circuits.succeeded('s');
    circuits.failed('s');
    circuits.failed('s');
    expect(circuits.admit('s', 50)).toEqual({ allowed: 50, retryInMs: 0 });
  });

  it('opens after the threshold of failures in a row, then sends one probe per step', () => {
    const { circuits, advance } = setup();
    expect([circuits.failed('s'), circuits.failed('s'), circuits.failed('s')]).toEqual([
      false,
      false,
      true,
    ]);
    // the rest of the wave that was already on its way changes nothing
    for (let i = 0; i < 20; i++) circuits.failed('s');
    expect(circuits.admit('s', 50)).toEqual({ allowed: 0, retryInMs: 500 });
    expect(circuits.admit('other', 5)).toEqual({ allowed: 5, retryInMs: 0 });
    advance(500);
    expect(circuits.admit('s', 50)).toEqual({ allowed: 1, retryInMs: 2_000 });
    expect(circuits.admit('s', 50)).toEqual({ allowed: 0, retryInMs: 2_000 });
    circuits.failed('s');
    // step 2: the wait doubles (half of it fixed, jitter 0 here)
    expect(circuits.admit('s', 50)).toEqual({ allowed: 0, retryInMs: 1_000 });
    advance(1_000);
    expect(circuits.admit('s', 50).allowed).toBe(1);
    circuits.succeeded('s');
    expect(circuits.admit('s', 50)).toEqual({ allowed: 50, retryInMs: 0 });
    expect(circuits.open).toBe(0);
  });

  it('sends another probe when one is never answered, and caps the wait', () => {
    const { circuits, advance } = setup();
    for (let i = 0; i < 3; i++) circuits.failed('s');
    expect(circuits.open).toBe(1);
    for (let step = 1; step <= 8; step++) {
      const wait = circuits.admit('s', 1).retryInMs;
      expect(wait).toBe(Math.min(8_000, 1_000 * 2 ** (step - 1)) / 2);
      advance(wait);
      expect(circuits.admit('s', 1).allowed).toBe(1);
      if (step === 4) {
        // a probe that hangs: after its timeout, the next one may go
        advance(2_000);
        expect(circuits.admit('s', 1).allowed).toBe(1);
      }
      circuits.failed('s');
    }
  });

  it('counts a sender as held back only while its step or its probe lasts', () => {
    const { circuits, advance } = setup();
    for (let i = 0; i < 3; i++) circuits.failed('s');
    expect(circuits.open).toBe(1);
    advance(499);
    expect(circuits.open).toBe(1);
    advance(1);
    // the step is over and nothing asked to send: nothing is held back
    expect(circuits.open).toBe(0);
    expect(circuits.admit('s', 1).allowed).toBe(1);
    // the probe in flight holds the rest back until it answers or times out
    expect(circuits.open).toBe(1);
    advance(2_000);
    expect(circuits.open).toBe(0);
    // the circuit itself is still open: the next text is the probe, and a failure opens it longer
    expect(circuits.admit('s', 5)).toEqual({ allowed: 1, retryInMs: 2_000 });
    circuits.failed('s');
    expect(circuits.admit('s', 5)).toEqual({ allowed: 0, retryInMs: 1_000 });
    expect(circuits.open).toBe(1);
  });
});
