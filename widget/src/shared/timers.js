// Named one-shot timers with an injectable clock, so the logic modules (widget/chat.js,
// console/controller.js, shared/outbox.js) run in node tests without waiting for real time.
//
//   const timers = new Timers();              // setTimeout / clearTimeout
//   timers.later("typing", () => stop(), 3000); // replaces a pending "typing" timer
//   timers.clear("typing");

/** @typedef {(fn: () => void, ms: number) => any} Schedule */
/** @typedef {(handle: any) => void} Cancel */

export class Timers {
  /**
   * @param {Schedule} [schedule]
   * @param {Cancel} [cancel]
   */
  constructor(schedule, cancel) {
    this.schedule = schedule || ((fn, ms) => setTimeout(fn, ms));
    this.cancel = cancel || ((handle) => clearTimeout(handle));
    /** @type {Map<string, any>} */
    this.handles = new Map();
  }

  /**
   * Run `fn` once after `ms`, replacing the timer of the same name.
   * @param {string} name
   * @param {() => void} fn
   * @param {number} ms
   */
  later(name, fn, ms) {
    this.clear(name);
    this.handles.set(
      name,
      this.schedule(() => {
        this.handles.delete(name);
        fn();
      }, ms),
    );
  }

  /** @param {string} name */
  clear(name) {
    if (!this.handles.has(name)) return;
    this.cancel(this.handles.get(name));
    this.handles.delete(name);
  }

  /** @param {string} name */
  has(name) {
    return this.handles.has(name);
  }

  clearAll() {
    for (const name of [...this.handles.keys()]) this.clear(name);
  }
}
