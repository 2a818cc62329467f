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
//      safe), `internal` (the server says: retry with the same id), `rate_limited` (wait),
//      `no_session` (the widget asks for its session again), `unauthorized` (the console logs in
//      again; logging out drops the outbox). The round is tried again on the next connect and,
//      while connected, after a backoff (1 s, 2 s, 5 s, 10 s, then every 30 s), because a
//      failure while connected would otherwise wait for a reconnect that never comes.
//   4. Any other refusal is an answer about this message that no retry changes (`too_long`,
//      `empty_message`, `bad_request`, `forbidden`, `not_owner`, `invalid_state`, `not_found`,
//      and codes a newer service may add): the message is dropped, the writer is told why
//      (onRefused), and the round goes on with the next one, which it must not block.
// Why a list of retryable codes and not a list of fatal ones: the retryable set is what the
// protocol promises ("a refused request changed nothing"; only `internal` and `rate_limited`
// invite a retry), while a fatal code unknown to this client would otherwise hold every later
// message back forever. The widget used to guess the other way; the console did this.
//
//   const outbox = new Outbox({ storage: localStorage, key: "tandem:outbox", prefix: "w",
//     send: (item) => transport.request("user_uttered", { message: item.text,
//                                                         client_msg_id: item.cmid }),
//     canSend: () => transport.connected,
//     onSent: (item, ack) => …, onRefused: (item, error) => …, onChange: () => render() });
//   outbox.add("hello"); outbox.flush();   // and flush() again on every (re)connect

import { newClientMsgId } from "./ids.js";
import { Timers } from "./timers.js";

/**
 * @typedef {{cmid: string, text: string, created: number, conversation_id?: string}} Pending
 */

/** Failures after which the same message is sent again (see the rule above). */
export const RETRY_CODES = Object.freeze(["offline", "timeout", "internal", "rate_limited", "no_session", "unauthorized"]);

/** Delays between rounds while connected and failing; the last one repeats. */
export const BACKOFF_MS = Object.freeze([1000, 2000, 5000, 10000, 30000]);

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
 * @property {(item: Pending, error: any) => void} [onRefused]
 * @property {() => void} [onChange]                  the list of pending messages changed
 * @property {(fn: () => void, ms: number) => any} [schedule]
 * @property {(handle: any) => void} [cancel]
 */

export class Outbox {
  /** @param {OutboxOptions} options */
  constructor({ storage = null, key = "", prefix = "w", send, canSend, onSent, onRefused, onChange, schedule, cancel }) {
    this.storage = storage;
    this.key = key;
    this.prefix = prefix;
    this.send = send;
    this.canSend = canSend || (() => true);
    this.onSent = onSent || (() => {});
    this.onRefused = onRefused || (() => {});
    this.onChange = onChange || (() => {});
    this.timers = new Timers(schedule, cancel);
    this.flushing = false;
    this.failures = 0; // retryable failures in a row: the backoff step
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

  /** @returns {Pending[]} oldest first */
  items() {
    return [...this.pending];
  }

  /** Pick up what another tab or an earlier page queued meanwhile. */
  reload() {
    this.pending = this.#load();
  }

  /** Forget everything (logging out). */
  clear() {
    this.timers.clearAll();
    this.failures = 0;
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
      while (this.pending.length && this.canSend()) {
        const item = this.pending[0];
        let ack;
        try {
          ack = await this.send(item);
        } catch (error) {
          if (isRetryable(error)) {
            this.#retryLater(error);
            break;
          }
          this.remove(item.cmid);
          this.onRefused(item, error);
          continue;
        }
        this.failures = 0;
        this.timers.clear("retry");
        this.remove(item.cmid);
        this.onSent(item, ack);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** @param {any} error */
  #retryLater(error) {
    if (error.code === "offline") return; // the next connect starts a round
    const delay = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)];
    this.failures += 1;
    this.timers.later("retry", () => this.flush(), delay);
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
      return Array.isArray(parsed)
        ? parsed.filter((p) => p && typeof p.cmid === "string" && typeof p.text === "string")
        : [];
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
