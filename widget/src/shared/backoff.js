// How long to wait before asking the service again after a failure it may recover from (Redis
// down, a replica restarting): 1 s, doubling to 15 s, each with ±20 % jitter so that the
// widgets and consoles of one outage do not all come back in the same instant. Used by the
// outbox (shared/outbox.js) and by the widget's session request and the console's hello.
//
//   const backoff = new Backoff();
//   timers.later("retry", retry, backoff.next()); // ~1 s, ~2 s, ~4 s, ~8 s, ~15 s, ~15 s, …
//   backoff.reset();                              // it worked

/** The delays before the jitter; the last one repeats. */
export const BACKOFF_MS = Object.freeze([1000, 2000, 4000, 8000, 15000]);
export const JITTER = 0.2;

export class Backoff {
  /** @param {() => number} [random] in [0, 1) (tests pass a constant; 0.5 means no jitter) */
  constructor(random = Math.random) {
    this.random = random;
    this.attempts = 0;
  }

  /** The next delay in milliseconds, and one step further. */
  next() {
    const base = BACKOFF_MS[Math.min(this.attempts, BACKOFF_MS.length - 1)];
    this.attempts += 1;
    return Math.round(base * (1 + JITTER * (2 * this.random() - 1)));
  }

  reset() {
    this.attempts = 0;
  }
}
