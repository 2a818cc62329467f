// Messages the customer sent that the server has not acknowledged yet. Kept in storage (local
// storage by default) under the session, so a reload, another page or a dropped connection
// loses nothing; each keeps its client_msg_id, so a resend is stored once (the server dedups).

import { newClientMsgId } from "../shared/ids.js";

/** @typedef {{cmid: string, text: string, created: number, metadata?: object}} Pending */

export class Outbox {
  /**
   * @param {{getItem(k: string): string|null, setItem(k: string, v: string): void,
   *   removeItem(k: string): void}|null} storage
   * @param {string} key
   */
  constructor(storage, key) {
    this.storage = storage;
    this.key = key;
    /** @type {Pending[]} */
    this.pending = this.#load();
  }

  /** Queue a message; returns it (with its new client_msg_id). */
  add(text, metadata = undefined) {
    /** @type {Pending} */
    const item = { cmid: newClientMsgId("w"), text, created: Date.now() };
    if (metadata) item.metadata = metadata;
    this.pending.push(item);
    this.#save();
    return item;
  }

  /** The server stored it (or refused it for good): forget it. */
  remove(cmid) {
    const before = this.pending.length;
    this.pending = this.pending.filter((p) => p.cmid !== cmid);
    if (this.pending.length !== before) this.#save();
  }

  /** Oldest first. */
  items() {
    return [...this.pending];
  }

  /** Pick up what another tab or an earlier page queued meanwhile. */
  reload() {
    this.pending = this.#load();
  }

  clear() {
    this.pending = [];
    this.#save();
  }

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
