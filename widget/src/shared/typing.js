// "Typing…" both ways, the same for the widget and the console.
//
// Sending: at most one `typing: true` every 2 s while keys are pressed (docs/protocol.md asks
// clients to throttle), and `typing: false` after 3 s without a key, when the message is sent,
// or when the writer turns to another conversation (the console's target).
// Showing: the other side's "typing…" is dropped after 15 s without news, because a lost
// `typing: false` (a closed tab, a dropped connection) must not leave it on for ever.
//
//   const typing = new TypingSender({ emit: (on, target) => transport.emit("typing",
//     { conversation_id: target, typing: on }) });
//   textarea.oninput = () => typing.typing(conversationId);
//   onSend = () => typing.stop();

import { Timers } from "./timers.js";

export const TYPING_THROTTLE_MS = 2000;
export const TYPING_IDLE_MS = 3000;
export const TYPING_SHOWN_MAX_MS = 15000;

/** @template [T=null] */
export class TypingSender {
  /**
   * @param {{emit: (typing: boolean, target: T) => void, now?: () => number,
   *   schedule?: import("./timers.js").Schedule, cancel?: import("./timers.js").Cancel}} options
   */
  constructor({ emit, now, schedule, cancel }) {
    this.emit = emit;
    this.now = now || (() => Date.now());
    this.timers = new Timers(schedule, cancel);
    this.on = false;
    /** @type {T | undefined} */
    this.target = undefined;
    this.sentAt = 0;
  }

  /**
   * A key was pressed while writing to `target`.
   * @param {T} target
   */
  typing(target) {
    if (this.on && this.target !== target) this.stop();
    const now = this.now();
    if (!this.on || now - this.sentAt > TYPING_THROTTLE_MS) {
      this.emit(true, target);
      this.on = true;
      this.target = target;
      this.sentAt = now;
    }
    this.timers.later("idle", () => this.stop(), TYPING_IDLE_MS);
  }

  /** Sent, idle, or elsewhere: tell the other side (once) that typing stopped. */
  stop() {
    this.timers.clear("idle");
    if (!this.on) return;
    this.on = false;
    this.emit(false, /** @type {T} */ (this.target));
  }
}
