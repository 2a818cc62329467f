// The widget's DOM, inside its own Shadow DOM: the host page's CSS cannot reach in, ours cannot
// leak out. Every piece of text is set as text (see shared/dom.js); nothing is parsed as HTML.

import { h, icon, replace, srOnly } from "../shared/dom.js";
import { clock } from "../shared/format.js";
import { displayText, safeImageUrl } from "../shared/transcript.js";
import css from "./styles.css";

/** @typedef {import("../shared/transcript.js").Entry} Entry */
/** @typedef {import("../shared/transcript.js").Transcript} Transcript */

// Material-style "chat bubble" and "close" glyphs.
const CHAT_ICON =
  "M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zm0 14H5.17L4 17.17V4h16v12zM7 9h10v2H7zm0-3h10v2H7zm0 6h7v2H7z";
const CLOSE_ICON =
  "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z";

/** @type {[number, string][]} */
const RATINGS = [
  [1, "Very bad"],
  [2, "Bad"],
  [3, "OK"],
  [4, "Good"],
  [5, "Very good"],
];

export class WidgetView {
  /**
   * @param {ShadowRoot} root
   * @param {{title: string, greeting: string, position: string, launcherLabel: string}} config
   * @param {{send(text: string, display?: string): void, requestAgent(): Promise<any>,
   *   typing(): void, openOfflineForm(open?: boolean): void,
   *   leaveMessage(form: {email: string, name: string, message: string}): Promise<string|null>,
   *   rate(rating: number, comment: string): Promise<string|null>,
   *   onOpenChange?(open: boolean): void}} actions
   */
  constructor(root, config, actions) {
    this.root = root;
    this.config = config;
    this.actions = actions;
    this.open = false;
    this.unread = 0;
    this.panelKind = "";
    this.#style();
    const c = config;
    this.badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
    this.launcher = h(
      "button",
      {
        type: "button",
        class: "launcher",
        "aria-expanded": "false",
        "aria-controls": "tw-panel",
        "aria-label": c.launcherLabel,
        onclick: () => this.toggle(),
      },
      icon(CHAT_ICON, 28),
      this.badge,
    );
    this.title = h("h2", { id: "tw-title" }, c.title);
    this.subtitle = h("p", { class: "subtitle", id: "tw-subtitle" });
    this.person = h(
      "button",
      { type: "button", class: "person", onclick: () => this.actions.requestAgent() },
      "Talk to a person",
    );
    const close = h(
      "button",
      { type: "button", class: "icon", "aria-label": "Close chat", onclick: () => this.toggle(false) },
      icon(CLOSE_ICON, 22),
    );
    this.connection = h(
      "p",
      { class: "connection", role: "status", hidden: true },
      "Reconnecting… messages you write now are sent once you're back online.",
    );
    this.greeting = h("p", { class: "greeting" }, c.greeting);
    this.entries = h("ol", { class: "entries" });
    this.pending = h("ol", { class: "entries pending-list" });
    this.log = h(
      "div",
      { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" },
      this.greeting,
      this.entries,
      this.pending,
    );
    this.typing = h("p", { class: "typing", role: "status", hidden: true });
    this.alert = h("p", { class: "alert", role: "alert", hidden: true });
    this.panel = h("div", { class: "state-panel", hidden: true });
    this.quick = h("div", { class: "quick", role: "group", "aria-label": "Suggested replies", hidden: true });
    this.input = h("textarea", {
      id: "tw-input",
      rows: "1",
      maxlength: "4000",
      placeholder: "Write a message…",
      autocomplete: "off",
      oninput: () => this.actions.typing(),
      onkeydown: (/** @type {KeyboardEvent} */ event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.#submit();
        }
      },
    });
    const composer = h(
      "form",
      { class: "composer", onsubmit: (/** @type {Event} */ event) => (event.preventDefault(), this.#submit()) },
      h("label", { for: "tw-input", class: "sr-only" }, "Message"),
      this.input,
      h("button", { type: "submit", class: "send" }, "Send"),
    );
    this.dialog = h(
      "section",
      {
        id: "tw-panel",
        class: "panel",
        role: "dialog",
        "aria-modal": "false",
        "aria-labelledby": "tw-title",
        "aria-describedby": "tw-subtitle",
        hidden: true,
        onkeydown: (/** @type {KeyboardEvent} */ event) => {
          if (event.key === "Escape") this.toggle(false);
        },
      },
      h("header", {}, h("div", { class: "heading" }, this.title, this.subtitle), this.person, close),
      this.connection,
      this.log,
      this.typing,
      this.alert,
      this.panel,
      this.quick,
      composer,
    );
    this.root.append(h("div", { class: `tw tw-${c.position}` }, this.dialog, this.launcher));
  }

  // -- called by Chat --------------------------------------------------------------------------
  /** @param {boolean} connected */
  setConnected(connected) {
    this.connection.hidden = connected;
  }

  resetTranscript() {
    this.entries.replaceChildren();
  }

  /**
   * @param {Entry[]} entries
   * @param {Transcript} transcript
   */
  addEntries(entries, transcript) {
    for (const entry of entries) {
      const item = this.#entry(entry, transcript);
      // Keep the list in seq order, whatever order entries arrive in (replays, gap fills).
      const later = [...this.entries.children].find((li) => li instanceof HTMLElement && Number(li.dataset.seq) > entry.seq);
      this.entries.insertBefore(item, later || null);
      if (!this.open && entry.author !== "customer") this.#setUnread(this.unread + 1);
    }
    this.#scroll();
  }

  /** @param {{cmid: string, text: string}[]} items */
  setPending(items) {
    replace(
      this.pending,
      items.map((p) =>
        h(
          "li",
          { class: "msg msg-customer pending", dataset: { cmid: p.cmid } },
          srOnly("You said (not sent yet):"),
          h("p", { class: "bubble" }, p.text),
          h("span", { class: "meta" }, "Sending…"),
        ),
      ),
    );
    this.#scroll();
  }

  /** @param {string} text */
  setTyping(text) {
    this.typing.textContent = text;
    this.typing.hidden = !text;
    if (text) this.#scroll();
  }

  /** @param {{title: string, payload: string}[]} buttons */
  setQuickReplies(buttons) {
    replace(
      this.quick,
      buttons.map((b) =>
        h("button", { type: "button", class: "chip", onclick: () => this.actions.send(b.payload, b.title) }, b.title),
      ),
    );
    this.quick.hidden = buttons.length === 0;
  }

  /**
   * @param {import("./status.js").Shown} shown
   * @param {import("./status.js").Status} status
   */
  setStatus(shown, status) {
    this.title.textContent = shown.title || this.config.title;
    this.subtitle.textContent = shown.subtitle;
    this.person.hidden = !shown.canRequestAgent;
    if (this.root.host instanceof HTMLElement) this.root.host.dataset.state = status.state;
    const key = `${shown.panel}|${shown.detail}`;
    if (key === this.panelKind) return;
    this.panelKind = key;
    if (shown.panel === "queued") this.#queuedPanel(shown);
    else if (shown.panel === "offline-form") this.#offlinePanel(shown, status.state === "queued");
    else if (shown.panel === "offline-done") this.#notice("Thanks! Your message reached us; we'll answer by email.");
    else if (shown.panel === "csat") this.#csatPanel();
    else if (shown.panel === "csat-done") this.#notice("Thanks for your feedback! Write again any time.");
    else replace(this.panel);
    this.panel.hidden = this.panel.children.length === 0;
  }

  /** @param {string} text */
  showError(text) {
    this.alert.textContent = text;
    this.alert.hidden = !text;
  }

  // -- open / close ----------------------------------------------------------------------------
  toggle(open = !this.open, { focus = true } = {}) {
    this.open = open;
    this.dialog.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.setAttribute("aria-label", open ? "Close support chat" : this.config.launcherLabel);
    // First (the host shows or hides the launcher on phones), then move the focus.
    if (this.actions.onOpenChange) this.actions.onOpenChange(open);
    if (open) {
      this.#setUnread(0);
      this.#scroll();
      if (focus) this.input.focus();
    } else if (focus) {
      this.launcher.focus();
    }
  }

  // -- building --------------------------------------------------------------------------------
  #style() {
    if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
      // A constructed stylesheet: works under a strict host CSP (no inline <style> needed).
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      this.root.adoptedStyleSheets = [sheet];
    } else {
      this.root.append(h("style", {}, css));
    }
  }

  #submit() {
    const text = this.input.value;
    if (!text.trim()) return;
    this.input.value = "";
    this.showError("");
    this.actions.send(text);
    this.input.focus();
  }

  /**
   * @param {Entry} entry
   * @param {Transcript} transcript
   */
  #entry(entry, transcript) {
    const who =
      entry.author === "customer"
        ? "You"
        : entry.author === "agent"
          ? entry.agent_name || "Support"
          : entry.author === "bot"
            ? "Assistant"
            : "";
    const parts = [];
    if (entry.author === "system") {
      parts.push(h("p", { class: "bubble" }, entry.text));
    } else {
      parts.push(srOnly(`${who} said:`));
      if (entry.author === "agent") parts.push(h("span", { class: "who", "aria-hidden": "true" }, who));
      if (entry.text) parts.push(h("p", { class: "bubble" }, displayText(entry, transcript)));
      const src = safeImageUrl(entry.image);
      if (src) parts.push(h("img", { class: "image", src, alt: "Image from the assistant", loading: "lazy" }));
    }
    parts.push(h("span", { class: "meta" }, clock(entry.ts)));
    return h(
      "li",
      { class: `msg msg-${entry.author}`, dataset: { seq: String(entry.seq), author: entry.author } },
      parts,
    );
  }

  /** @param {import("./status.js").Shown} shown */
  #queuedPanel(shown) {
    replace(
      this.panel,
      h("p", { class: "queue-info" }, shown.detail),
      h(
        "p",
        { class: "hint" },
        "Meanwhile, ask me about orders, delivery, returns or payments; " +
          "everything you write is also read by the person who joins.",
      ),
      h(
        "button",
        { type: "button", class: "link", onclick: () => this.actions.openOfflineForm(true) },
        "Leave a message instead",
      ),
    );
  }

  /**
   * @param {import("./status.js").Shown} shown
   * @param {boolean} fromQueue the customer would rather not wait ("Keep waiting" goes back)
   */
  #offlinePanel(shown, fromQueue) {
    const error = h("p", { class: "alert", role: "alert", hidden: true });
    const email = h("input", { id: "tw-email", type: "email", required: true, autocomplete: "email", maxlength: "254" });
    const name = h("input", { id: "tw-name", type: "text", autocomplete: "name", maxlength: "100" });
    const message = h("textarea", { id: "tw-offline-message", required: true, rows: "3", maxlength: "4000" });
    const submit = h("button", { type: "submit", class: "send" }, "Send message");
    const form = h(
      "form",
      {
        class: "offline-form",
        "aria-labelledby": "tw-offline-title",
        onsubmit: async (/** @type {Event} */ event) => {
          event.preventDefault();
          submit.disabled = true;
          const problem = await this.actions.leaveMessage({
            email: email.value.trim(),
            name: name.value.trim(),
            message: message.value,
          });
          submit.disabled = false;
          error.textContent = problem || "";
          error.hidden = !problem;
        },
      },
      h("h3", { id: "tw-offline-title" }, "Leave a message"),
      h("p", {}, shown.detail),
      h("label", { for: "tw-email" }, "Email"),
      email,
      h("label", { for: "tw-name" }, "Name (optional)"),
      name,
      h("label", { for: "tw-offline-message" }, "Message"),
      message,
      error,
      h(
        "div",
        { class: "row" },
        submit,
        fromQueue
          ? h("button", { type: "button", class: "link", onclick: () => this.actions.openOfflineForm(false) }, "Keep waiting")
          : null,
      ),
    );
    replace(this.panel, form);
  }

  #csatPanel() {
    const error = h("p", { class: "alert", role: "alert", hidden: true });
    const comment = h("textarea", { id: "tw-csat-comment", rows: "2", maxlength: "1000" });
    const choices = RATINGS.map(([value, label]) =>
      h(
        "label",
        { class: "star" },
        h("input", { type: "radio", name: "tw-rating", value: String(value), required: true }),
        h("span", { "aria-hidden": "true" }, String(value)),
        srOnly(`${value} of 5, ${label.toLowerCase()}`),
      ),
    );
    const submit = h("button", { type: "submit", class: "send" }, "Send rating");
    const form = h(
      "form",
      {
        class: "csat-form",
        onsubmit: async (/** @type {Event} */ event) => {
          event.preventDefault();
          const picked = form.querySelector("input[name=tw-rating]:checked");
          if (!(picked instanceof HTMLInputElement)) return;
          submit.disabled = true;
          const problem = await this.actions.rate(Number(picked.value), comment.value.trim());
          submit.disabled = false;
          error.textContent = problem || "";
          error.hidden = !problem;
        },
      },
      h(
        "fieldset",
        {},
        h("legend", {}, "How would you rate this conversation?"),
        h("div", { class: "stars" }, choices),
      ),
      h("label", { for: "tw-csat-comment" }, "Comment (optional)"),
      comment,
      error,
      submit,
    );
    replace(this.panel, form);
  }

  /** @param {string} text */
  #notice(text) {
    replace(this.panel, h("p", { class: "notice" }, text));
  }

  /** @param {number} count */
  #setUnread(count) {
    this.unread = count;
    this.badge.textContent = count ? String(count) : "";
    this.badge.hidden = count === 0;
    if (!this.open) {
      this.launcher.setAttribute(
        "aria-label",
        count ? `${this.config.launcherLabel} (${count} new)` : this.config.launcherLabel,
      );
    }
  }

  #scroll() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}
