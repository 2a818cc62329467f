// Messages written but not yet acknowledged by the service, and the one rule for delivering
// them, used by the widget (customer messages) and the console (agent replies).
//
// The rule:
//   1. A message is sent with a client_msg_id made when it was written, and kept until the
//      service acknowledges it (the ack carries its seq). The service stores a resent id once
//      (docs/protocol.md), so resending after any doubt (lost ack, reconnect, reload) is safe.
//   2. In order: the oldest unacknowledged message goes first, and the next one only after it
//      was acknowledged, so the transcript's seqs follow the order things were written.
//   3. A failure that retrying can fix stops the round and keeps the message at the head:
//      `offline` and `timeout` (nothing was stored, or we cannot know: the id makes a resend
//      safe), `internal` and `unavailable` (the server says: retry with the same id; Redis may
//      be down), `rate_limited` (wait), `no_session` (the widget asks for its session again),
//      `unauthorized` (the console logs in again; logging out drops the outbox). The round is
//      tried again on the next connect and, while connected, on a timer (shared/backoff.js:
//      1 s doubling to 15 s, with jitter), because a failure while connected would otherwise
//      wait for a reconnect that never comes, or for the writer's next message.
//   4. Any other refusal is an answer about this message that no retry changes (`invalid_text`,
//      `too_long`, `empty_message`, `bad_request`, `forbidden`, `not_owner`, `invalid_state`,
//      `not_found`, and codes a newer service may add): the message is marked failed (kept, with
//      the code and the service's message, for the writer to edit or delete), it is never sent
//      again, and the round goes on with the next one, which it must not block. A failed message
//      stays failed across a reload (it is saved with its mark); one saved by an older version
//      without the mark is simply sent again, and the service's answer marks it.
// Why a list of retryable codes and not a list of fatal ones: the retryable set is what the
// protocol promises ("a refused request changed nothing"; only `internal` and `rate_limited`
// invite a retry), while a fatal code unknown to this client would otherwise hold every later
// message back forever: one lone surrogate used to block a customer's widget for good that way.
//
//   const outbox = new Outbox({ storage: localStorage, key: "tandem:outbox", prefix: "w",
//     send: (item) => transport.request("user_uttered", { message: item.text,
//                                                         client_msg_id: item.cmid }),
//     canSend: () => transport.connected,
//     onSent: (item, ack) => …, onRefused: (item, error) => …, onChange: () => render() });
//   outbox.add("hello"); outbox.flush();   // and flush() again on every (re)connect
//   outbox.take(cmid);                     // a failed one back into the writer's box

import { Backoff } from "./backoff.js";
import { newClientMsgId } from "./ids.js";
import { Timers } from "./timers.js";

/**
 * Why the service refused a message for good (rule 4).
 * @typedef {{code: string, message: string}} Failure
 */

/**
 * @typedef {{cmid: string, text: string, created: number, conversation_id?: string,
 *   failed?: Failure}} Pending
 */

/** Failures after which the same message is sent again (see the rule above). */
export const RETRY_CODES = Object.freeze([
  "offline",
  "timeout",
  "internal",
  "unavailable",
  "rate_limited",
  "no_session",
  "unauthorized",
]);

/**
 * Will sending the same message again possibly succeed?
 * @param {any} error a TransportError (or anything with a `code`)
 */
export function isRetryable(error) {
  return RETRY_CODES.includes(error && error.code);
}

/**
 * @typedef {object} OutboxOptions
 * @property {{getItem(k: string): string|null, setItem(k: string, v: string): void,
 *   removeItem(k: string): void}|null} [storage]  where it survives a reload (none: memory only)
 * @property {string} [key]       the storage key
 * @property {string} [prefix]    of the client_msg_ids ("w" widget, "a" agent)
 * @property {(item: Pending) => Promise<any>} send   resolves with the ack, rejects with a TransportError
 * @property {() => boolean} [canSend]                e.g. connected and the session is known
 * @property {(item: Pending, ack: any) => void} [onSent]
 * @property {(item: Pending, error: any) => void} [onRefused]   it was marked failed
 * @property {(error: any) => void} [onRetry]  a round stopped on a retryable failure (null: a
 *   message went through again), so the writer can be told the connection is not well
 * @property {() => void} [onChange]                  the list of messages changed
 * @property {(fn: () => void, ms: number) => any} [schedule]
 * @property {(handle: any) => void} [cancel]
 * @property {() => number} [random]                  the backoff's jitter (tests)
 */

export class Outbox {
  /** @param {OutboxOptions} options */
  constructor({ storage = null, key = "", prefix = "w", send, canSend, onSent, onRefused, onRetry, onChange, schedule, cancel, random }) {
    this.storage = storage;
    this.key = key;
    this.prefix = prefix;
    this.send = send;
    this.canSend = canSend || (() => true);
    this.onSent = onSent || (() => {});
    this.onRefused = onRefused || (() => {});
    this.onRetry = onRetry || (() => {});
    this.onChange = onChange || (() => {});
    this.timers = new Timers(schedule, cancel);
    this.flushing = false;
    this.backoff = new Backoff(random); // its step: retryable failures in a row
    /** @type {Pending[]} */
    this.pending = this.#load();
  }

  /**
   * Queue a message; returns it with its new client_msg_id.
   * @param {string} text
   * @param {{conversation_id?: string}} [extra] fields kept with it (the console's conversation)
   * @returns {Pending}
   */
  add(text, extra = {}) {
    /** @type {Pending} */
    const item = { ...extra, cmid: newClientMsgId(this.prefix), text, created: Date.now() };
    this.pending.push(item);
    this.#changed();
    return item;
  }

  /**
   * The service has it (acknowledged, or seen in a replay), or refused it: forget it.
   * @param {string} cmid
   * @returns {boolean} whether it was pending
   */
  remove(cmid) {
    const before = this.pending.length;
    this.pending = this.pending.filter((p) => p.cmid !== cmid);
    if (this.pending.length === before) return false;
    this.#changed();
    return true;
  }

  /**
   * A failed message back to its writer (to edit and send anew): removed, its text returned.
   * @param {string} cmid
   * @returns {string|null}
   */
  take(cmid) {
    const item = this.pending.find((p) => p.cmid === cmid);
    if (!item) return null;
    this.remove(cmid);
    return item.text;
  }

  /** @returns {Pending[]} oldest first, the failed ones among them (marked `failed`) */
  items() {
    return [...this.pending];
  }

  /** @returns {Pending[]} the ones still to be delivered, oldest first */
  waiting() {
    return this.pending.filter((p) => !p.failed);
  }

  /** Pick up what another tab or an earlier page queued meanwhile. */
  reload() {
    this.pending = this.#load();
  }

  /** Forget everything (logging out). */
  clear() {
    this.timers.clearAll();
    this.backoff.reset();
    if (!this.pending.length) return;
    this.pending = [];
    this.#changed();
  }

  /**
   * One delivery round, by the rule above. Safe to call any time: while a round runs, another
   * call returns at once (the running round picks up messages added meanwhile).
   */
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let item = this.#next(); item && this.canSend(); item = this.#next()) {
        let ack;
        try {
          ack = await this.send(item);
        } catch (error) {
          if (isRetryable(error)) {
            this.#retryLater(error);
            break;
          }
          this.#recovered(); // the service answered: it is there, it just will not take this one
          this.#fail(item, error);
          continue;
        }
        this.#recovered();
        this.remove(item.cmid);
        this.onSent(item, ack);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** A send got an answer after retryable failures: back to the first step, and say so. */
  #recovered() {
    this.timers.clear("retry");
    if (this.backoff.attempts === 0) return;
    this.backoff.reset();
    this.onRetry(null);
  }

  /** The oldest message not marked failed. */
  #next() {
    return this.pending.find((p) => !p.failed);
  }

  /**
   * Rule 4: kept, marked, never sent again; the round goes on.
   * @param {Pending} item
   * @param {any} error
   */
  #fail(item, error) {
    /** @type {Failure} */
    const failed = { code: String((error && error.code) || "bad_request"), message: String((error && error.message) || "") };
    const marked = { ...item, failed };
    const index = this.pending.findIndex((p) => p.cmid === item.cmid);
    if (index < 0) return; // acknowledged meanwhile (another tab, a replay)
    this.pending[index] = marked;
    this.#changed();
    this.onRefused(marked, error);
  }

  /** @param {any} error */
  #retryLater(error) {
    this.onRetry(error);
    if (error.code === "offline") return; // the next connect starts a round
    this.timers.later("retry", () => this.flush(), this.backoff.next());
  }

  #changed() {
    this.#save();
    this.onChange();
  }

  /** @returns {Pending[]} */
  #load() {
    try {
      const raw = this.storage ? this.storage.getItem(this.key) : null;
      const parsed = raw ? JSON.parse(raw) : [];
      if (!Array.isArray(parsed)) return [];
      return parsed
        .filter((p) => p && typeof p.cmid === "string" && typeof p.text === "string")
        .map((p) => (p.failed && typeof p.failed.code !== "string" ? { ...p, failed: { code: "bad_request", message: "" } } : p));
    } catch {
      return [];
    }
  }

  #save() {
    try {
      if (!this.storage) return;
      if (this.pending.length) this.storage.setItem(this.key, JSON.stringify(this.pending));
      else this.storage.removeItem(this.key);
    } catch {
      // storage full or blocked (private mode): the outbox still works for this page
    }
  }
}
