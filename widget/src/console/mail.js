// The developer Mail page's logic (/console#mail, docs/email.md; no DOM, tested with a fake API):
// what the service's built-in mail sink received, newest first, refreshed while the page is
// open, and "Reply as the customer", which sends a real SMTP reply to the inbound listener.
// mail-view.js renders it. Developer mode only: elsewhere the API answers 404 and the page says so.

import { jsonCaller } from "./workbench-api.js";

export const MAIL_POLL_MS = 3000;

/**
 * @param {string} baseUrl
 * @param {() => string} token
 * @param {typeof fetch} [fetchFn]
 */
export function mailApi(baseUrl, token, fetchFn = (...args) => fetch(...args)) {
  const call = jsonCaller(baseUrl, "/api/dev/mail", token, fetchFn);
  return {
    list: () => call("GET", ""),
    /** @param {string} id @param {string} text */
    reply: (id, text) => call("POST", `/${encodeURIComponent(id)}/reply`, { text }),
  };
}

/** @typedef {ReturnType<typeof mailApi>} MailApi */

export class MailController {
  /**
   * @param {{api: MailApi, view?: {render: () => void},
   *   schedule?: (fn: () => void, ms: number) => any, cancel?: (handle: any) => void}} options
   */
  constructor({ api, view, schedule = (fn, ms) => setTimeout(fn, ms), cancel = (h) => clearTimeout(h) }) {
    this.api = api;
    this.view = view || { render() {} };
    this.schedule = schedule;
    this.cancel = cancel;
    /** @type {any[]} */
    this.emails = [];
    this.sink = false;
    this.inbound = false;
    this.message = "";
    /** @type {Record<string, string>} what is typed per email (kept across redraws) */
    this.drafts = {};
    this.sending = "";
    this.pollHandle = null;
    this.closed = false;
  }

  async open() {
    this.closed = false;
    await this.refresh();
  }

  async refresh() {
    try {
      const answer = await this.api.list();
      this.emails = answer.emails;
      this.sink = answer.sink;
      this.inbound = answer.inbound;
      if (this.message.startsWith("Cannot")) this.message = "";
    } catch (error) {
      const e = /** @type {any} */ (error);
      this.message = e.code === "not_found" ? "The Mail page is for developer mode (TANDEM_DEV=1) only." : e.message;
    }
    this.view.render();
    if (!this.closed && !this.pollHandle) {
      this.pollHandle = this.schedule(() => {
        this.pollHandle = null;
        if (!this.closed) this.refresh();
      }, MAIL_POLL_MS);
    }
  }

  /** @param {string} id @param {string} text */
  draft(id, text) {
    this.drafts[id] = text;
  }

  /** @param {string} id */
  async reply(id) {
    const text = (this.drafts[id] || "").trim();
    if (!text) {
      this.message = "Write the customer's reply first.";
      this.view.render();
      return;
    }
    this.sending = id;
    this.view.render();
    try {
      await this.api.reply(id, text);
      delete this.drafts[id];
      this.message = "Sent as the customer: it should appear in the conversation in the console.";
    } catch (error) {
      this.message = /** @type {any} */ (error).message || "Could not send the reply.";
    } finally {
      this.sending = "";
      this.view.render();
    }
  }

  close() {
    this.closed = true;
    if (this.pollHandle) this.cancel(this.pollHandle);
    this.pollHandle = null;
  }
}
