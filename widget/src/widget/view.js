// The widget's DOM, inside its own Shadow DOM: the host page's CSS cannot reach in, ours cannot
// leak out. Every piece of text is set as text (see shared/dom.js); nothing is parsed as HTML.
// The widget's own words come from the catalog of the language Chat chose (i18n.js); when it
// changes, setLanguage() puts every one of them in the new language, the transcript included.

import { append, h, icon, replace, srOnly } from "../shared/dom.js";
import { clock, lengthCounter } from "../shared/format.js";
import { displayText, safeImageUrl } from "../shared/transcript.js";
import { MAX_MESSAGE_CHARS } from "./chat.js";
import { configuredText, languageChoices, translator } from "./i18n.js";
import { formEmail } from "./status.js";
import css from "./styles.css";

/** @typedef {import("../shared/transcript.js").Entry} Entry */
/** @typedef {import("../shared/transcript.js").Transcript} Transcript */
/** @typedef {import("./i18n.js").MessageKey} MessageKey */

// Material-style "chat bubble" and "close" glyphs.
const CHAT_ICON =
  "M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zm0 14H5.17L4 17.17V4h16v12zM7 9h10v2H7zm0-3h10v2H7zm0 6h7v2H7z";
const CLOSE_ICON =
  "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z";

/** @type {[number, MessageKey][]} */
const RATINGS = [
  [1, "csat.rating1"],
  [2, "csat.rating2"],
  [3, "csat.rating3"],
  [4, "csat.rating4"],
  [5, "csat.rating5"],
];

/**
 * What the embedder may configure (index.js); a text left empty comes from the catalog, and an
 * object ({en: "…", hr: "…"}) gives one per language.
 * @typedef {{title: unknown, greeting: unknown, position: string, launcherLabel: unknown}} ViewConfig
 */

/**
 * @typedef {{send(text: string, display?: string): void, requestAgent(): Promise<any>,
 *   typing(): void, openOfflineForm(open?: boolean): void,
 *   leaveMessage(form: {email: string, name: string, message: string}): Promise<string|null>,
 *   rate(rating: number, comment: string): Promise<string|null>,
 *   answerFollowUp(solved: boolean): Promise<string|null>,
 *   emailTranscript(address?: string): Promise<{text: string, needEmail?: boolean, sent?: boolean}>,
 *   setLanguage(language: string): void,
 *   editFailed(cmid: string): string|null, deleteFailed(cmid: string): void,
 *   onOpenChange?(open: boolean): void}} ViewActions
 */

export class WidgetView {
  /**
   * @param {ShadowRoot} root
   * @param {ViewConfig} config
   * @param {ViewActions} actions
   */
  constructor(root, config, actions) {
    this.root = root;
    this.config = config;
    this.actions = actions;
    this.open = false;
    this.unread = 0;
    this.panelKind = "";
    this.language = "en";
    this.t = translator("en");
    /** @type {Transcript|null} the transcript last shown (re-rendered in another language) */
    this.transcript = null;
    this.stateTitle = ""; // an agent's name while they are in the chat
    this.#style();
    this.badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
    this.launcher = h(
      "button",
      { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "tw-panel", onclick: () => this.toggle() },
      icon(CHAT_ICON, 28),
      this.badge,
    );
    this.title = h("h2", { id: "tw-title" });
    this.subtitle = h("p", { class: "subtitle", id: "tw-subtitle" });
    this.person = h("button", { type: "button", class: "person", onclick: () => this.actions.requestAgent() });
    this.languageLabel = h("label", { for: "tw-lang", class: "sr-only" });
    this.languagePicker = h(
      "select",
      { id: "tw-lang", class: "lang", onchange: () => this.actions.setLanguage(this.languagePicker.value) },
      languageChoices().map(([code, name]) => h("option", { value: code, lang: code }, name)),
    );
    this.closeButton = h("button", { type: "button", class: "icon", onclick: () => this.toggle(false) }, icon(CLOSE_ICON, 22));
    this.connection = h("p", { class: "connection", role: "status", hidden: true });
    this.greeting = h("p", { class: "greeting" });
    this.entries = h("ol", { class: "entries" });
    this.pending = h("ol", { class: "entries pending-list" });
    this.log = h("div", { class: "log", role: "log", "aria-live": "polite", tabindex: "0" }, this.greeting, this.entries, this.pending);
    this.typing = h("p", { class: "typing", role: "status", hidden: true });
    this.alert = h("p", { class: "alert", role: "alert", hidden: true });
    this.panel = h("div", { class: "state-panel", hidden: true });
    this.quick = h("div", { class: "quick", role: "group", hidden: true });
    this.input = h("textarea", {
      id: "tw-input",
      rows: "1",
      autocomplete: "off",
      // No maxlength: the browser would cut a long paste silently; the counter says it instead.
      oninput: () => (this.actions.typing(), this.#count()),
      onkeydown: (/** @type {KeyboardEvent} */ event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.#submit();
        }
      },
    });
    this.inputLabel = h("label", { for: "tw-input", class: "sr-only" });
    this.sendButton = h("button", { type: "submit", class: "send" });
    this.counter = h("p", { class: "counter", id: "tw-counter", "aria-live": "polite", hidden: true });
    const composer = h(
      "form",
      { class: "composer", onsubmit: (/** @type {Event} */ event) => (event.preventDefault(), this.#submit()) },
      this.inputLabel,
      this.input,
      this.counter,
      this.sendButton,
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
      h(
        "header",
        {},
        h("div", { class: "heading" }, this.title, this.subtitle),
        this.person,
        h("div", { class: "tools" }, this.languageLabel, this.languagePicker, this.closeButton),
      ),
      this.connection,
      this.log,
      this.typing,
      this.alert,
      this.panel,
      this.quick,
      composer,
    );
    this.frame = h("div", { class: `tw tw-${config.position}` }, this.dialog, this.launcher);
    this.root.append(this.frame);
    this.#applyTexts();
  }

  // -- called by Chat --------------------------------------------------------------------------
  /**
   * Speak another language: every text of the widget, and the entries already shown.
   * @param {string} language
   * @param {import("./i18n.js").Translate} t
   * @param {Transcript} transcript
   */
  setLanguage(language, t, transcript) {
    this.language = language;
    this.t = t;
    this.#applyTexts();
    this.transcript = transcript;
    replace(this.entries, transcript.list().map((entry) => this.#entry(entry, transcript)));
    this.panelKind = ""; // the next setStatus draws the panel anew (keeping what was typed)
  }

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
    this.transcript = transcript;
    for (const entry of entries) {
      const item = this.#entry(entry, transcript);
      // Keep the list in seq order, whatever order entries arrive in (replays, gap fills).
      const later = [...this.entries.children].find((li) => li instanceof HTMLElement && Number(li.dataset.seq) > entry.seq);
      this.entries.insertBefore(item, later || null);
      if (!this.open && entry.author !== "customer") this.#setUnread(this.unread + 1);
    }
    this.#scroll();
  }

  /**
   * Messages not stored yet ("sending…"), and those the service refused for good: shown as
   * failed, with why, and buttons to edit (back into the message box) or delete them.
   * @param {import("./chat.js").PendingView[]} items
   */
  setPending(items) {
    replace(
      this.pending,
      items.map((p) =>
        p.failed
          ? h(
              "li",
              { class: "msg msg-customer failed", dataset: { cmid: p.cmid } },
              srOnly(this.t("entry.failed")),
              h("p", { class: "bubble" }, p.text),
              h("p", { class: "meta why" }, p.failed),
              h(
                "span",
                { class: "row" },
                h("button", { type: "button", class: "link", onclick: () => this.#editFailed(p.cmid) }, this.t("entry.edit")),
                h("button", { type: "button", class: "link", onclick: () => this.actions.deleteFailed(p.cmid) }, this.t("entry.delete")),
              ),
            )
          : h(
              "li",
              { class: "msg msg-customer pending", dataset: { cmid: p.cmid } },
              srOnly(this.t("entry.pending")),
              h("p", { class: "bubble" }, p.text),
              h("span", { class: "meta" }, this.t("entry.sending")),
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
      buttons.map((b) => h("button", { type: "button", class: "chip", onclick: () => this.actions.send(b.payload, b.title) }, b.title)),
    );
    this.quick.hidden = buttons.length === 0;
    // The buttons take room from the log: the last bot message must stay in sight above them.
    if (buttons.length) this.#scrollToLast();
  }

  /** The counter near the limit (`shared/format.js` lengthCounter). */
  #count() {
    const { text, over } = lengthCounter(this.input.value.length, MAX_MESSAGE_CHARS, this.language);
    this.counter.textContent = text;
    this.counter.hidden = !text;
    this.counter.classList.toggle("over", over);
  }

  /** The end of the log, or the start of the last message when it is taller than the log. */
  #scrollToLast() {
    this.#scroll();
    const last = this.entries.lastElementChild;
    if (!(last instanceof HTMLElement)) return;
    const top = last.getBoundingClientRect().top - this.log.getBoundingClientRect().top;
    if (top < 0) this.log.scrollTop += top;
  }

  /**
   * @param {import("./status.js").Shown} shown
   * @param {import("./status.js").Status} status
   */
  setStatus(shown, status) {
    this.stateTitle = shown.title;
    this.title.textContent = this.#title();
    this.subtitle.textContent = shown.subtitle;
    this.person.hidden = !shown.canRequestAgent;
    if (this.root.host instanceof HTMLElement) this.root.host.dataset.state = status.state;
    const key = `${shown.panel}|${shown.detail}|${status.contactEmail || ""}|${shown.followup ? shown.followup.question : ""}|${status.emailOn ? 1 : 0}`;
    if (key === this.panelKind) return;
    this.panelKind = key;
    // The panel sits under the log: a taller one (the wait, the follow-up question) would hide
    // the message that just arrived unless a log that was at its end stays there.
    const atEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 2;
    if (shown.panel === "queued") this.#queuedPanel(shown);
    else if (shown.panel === "offline-form") this.#offlinePanel(shown, status);
    else if (shown.panel === "offline-done") this.#notice(this.t(status.emailOn ? "form.done" : "form.doneChat"), shown.detail);
    else if (shown.panel === "csat") this.#csatPanel();
    else if (shown.panel === "csat-done") this.#notice(this.t("csat.done"));
    else if (shown.panel === "followup" && shown.followup) this.#followupPanel(shown.followup);
    else if (shown.panel === "followup-done") this.#notice(shown.detail);
    else replace(this.panel);
    // The end of a conversation: its transcript by email, when the service sends email.
    if (status.emailOn && (shown.panel === "csat" || shown.panel === "csat-done")) append(this.panel, this.#transcriptRow());
    this.panel.hidden = this.panel.children.length === 0;
    if (atEnd) this.#scroll();
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
    this.#launcherLabel();
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

  /** Every fixed text, in the current language (also the `lang` the fonts and readers use). */
  #applyTexts() {
    const t = this.t;
    this.frame.lang = this.language;
    this.#launcherLabel();
    this.title.textContent = this.#title();
    this.person.textContent = t("header.person");
    this.languageLabel.textContent = t("header.language");
    this.languagePicker.value = this.language;
    this.closeButton.setAttribute("aria-label", t("header.close"));
    this.connection.textContent = t("connection.reconnecting");
    this.greeting.textContent = configuredText(this.config.greeting, this.language, t("header.greeting"));
    this.log.setAttribute("aria-label", t("log.label"));
    this.quick.setAttribute("aria-label", t("quick.label"));
    this.input.placeholder = t("composer.placeholder");
    this.inputLabel.textContent = t("composer.label");
    this.sendButton.textContent = t("composer.send");
  }

  #title() {
    return this.stateTitle || configuredText(this.config.title, this.language, this.t("header.title"));
  }

  #launcherLabel() {
    const label = configuredText(this.config.launcherLabel, this.language, this.t("launcher.open"));
    const text = this.open
      ? this.t("launcher.close")
      : this.unread
        ? this.t("launcher.unread", { label, count: this.unread })
        : label;
    this.launcher.setAttribute("aria-label", text);
  }

  /**
   * A failed message back into the message box (after what is typed there already, if anything).
   * @param {string} cmid
   */
  #editFailed(cmid) {
    const text = this.actions.editFailed(cmid);
    if (text === null) return;
    this.input.value = this.input.value ? `${this.input.value}\n${text}` : text;
    this.input.focus();
  }

  #submit() {
    const text = this.input.value;
    if (!text.trim()) return;
    if (text.length > MAX_MESSAGE_CHARS) {
      // Refused here, whole: the customer shortens it (the service refuses it too).
      this.showError(this.t("error.tooLong", { max: MAX_MESSAGE_CHARS.toLocaleString(this.language) }));
      return;
    }
    this.input.value = "";
    this.#count();
    this.showError("");
    this.actions.send(text);
    this.input.focus();
  }

  /**
   * @param {Entry} entry
   * @param {Transcript} transcript
   */
  #entry(entry, transcript) {
    const t = this.t;
    const parts = [];
    if (entry.author === "system") {
      parts.push(h("p", { class: "bubble" }, entry.text));
    } else {
      const name = entry.agent_name || t("entry.support");
      const said =
        entry.author === "customer" ? t("entry.saidYou") : entry.author === "agent" ? t("entry.saidAgent", { name }) : t("entry.saidAssistant");
      parts.push(srOnly(said));
      if (entry.author === "agent") parts.push(h("span", { class: "who", "aria-hidden": "true" }, name));
      if (entry.text) parts.push(h("p", { class: "bubble" }, displayText(entry, transcript)));
      const src = safeImageUrl(entry.image);
      if (src) parts.push(h("img", { class: "image", src, alt: t("entry.image"), loading: "lazy" }));
    }
    parts.push(h("span", { class: "meta" }, clock(entry.ts)));
    return h("li", { class: `msg msg-${entry.author}`, dataset: { seq: String(entry.seq), author: entry.author } }, parts);
  }

  /** @param {import("./status.js").Shown} shown */
  #queuedPanel(shown) {
    replace(
      this.panel,
      h("p", { class: "queue-info" }, shown.detail),
      h("p", { class: "hint" }, this.t("queued.hint")),
      h("button", { type: "button", class: "link", onclick: () => this.actions.openOfflineForm(true) }, this.t("queued.leaveMessage")),
    );
  }

  /**
   * The offline form. From the queue (state `queued`) the customer would rather not wait, and
   * "Keep waiting" goes back. The email field starts with the one the triage collected, unless
   * the customer has typed in it (their text wins, across re-renders too).
   * @param {import("./status.js").Shown} shown
   * @param {import("./status.js").Status} status
   */
  #offlinePanel(shown, status) {
    const t = this.t;
    const fromQueue = status.state === "queued";
    const kept = this.#typed(["tw-name", "tw-offline-message"]); // a language switch keeps them
    const onScreen = this.panel.querySelector("#tw-email");
    const field = onScreen instanceof HTMLInputElement ? { value: onScreen.value, edited: onScreen.dataset.edited === "1" } : null;
    const error = h("p", { class: "alert", role: "alert", hidden: true });
    const email = h("input", {
      id: "tw-email",
      type: "email",
      required: true,
      autocomplete: "email",
      maxlength: "254",
      value: formEmail(field, status.contactEmail),
      dataset: field && field.edited ? { edited: "1" } : {},
      oninput: () => (email.dataset.edited = "1"),
    });
    const name = h("input", { id: "tw-name", type: "text", autocomplete: "name", maxlength: "100", value: kept["tw-name"] });
    const message = h("textarea", { id: "tw-offline-message", required: true, rows: "3", maxlength: "4000", value: kept["tw-offline-message"] });
    const submit = h("button", { type: "submit", class: "send" }, t("form.send"));
    const form = h(
      "form",
      {
        class: "offline-form",
        "aria-labelledby": "tw-offline-title",
        onsubmit: async (/** @type {Event} */ event) => {
          event.preventDefault();
          submit.disabled = true;
          const problem = await this.actions.leaveMessage({ email: email.value.trim(), name: name.value.trim(), message: message.value });
          submit.disabled = false;
          error.textContent = problem || "";
          error.hidden = !problem;
        },
      },
      h("h3", { id: "tw-offline-title" }, t("form.title")),
      h("p", {}, shown.detail),
      h("label", { for: "tw-email" }, t("form.email")),
      email,
      h("label", { for: "tw-name" }, t("form.name")),
      name,
      h("label", { for: "tw-offline-message" }, t("form.message")),
      message,
      error,
      h(
        "div",
        { class: "row" },
        submit,
        fromQueue ? h("button", { type: "button", class: "link", onclick: () => this.actions.openOfflineForm(false) }, t("form.keepWaiting")) : null,
      ),
    );
    replace(this.panel, form);
  }

  /**
   * "Was your problem solved?" with yes and no, in the words the service sent (as text).
   * @param {import("../shared/protocol").FollowUpQuestion} question
   */
  #followupPanel(question) {
    const error = h("p", { class: "alert", role: "alert", hidden: true });
    /** @param {boolean} solved */
    const answer = async (solved) => {
      for (const b of buttons) b.disabled = true;
      const problem = await this.actions.answerFollowUp(solved);
      for (const b of buttons) b.disabled = false;
      error.textContent = problem || "";
      error.hidden = !problem;
    };
    const buttons = [
      h("button", { type: "button", class: "send followup-yes", onclick: () => answer(true) }, question.yes),
      h("button", { type: "button", class: "chip followup-no", onclick: () => answer(false) }, question.no),
    ];
    replace(
      this.panel,
      h("div", { class: "followup", role: "group", "aria-labelledby": "tw-followup-q" }, h("p", { id: "tw-followup-q" }, question.question), h("div", { class: "row" }, ...buttons), error),
    );
  }

  #csatPanel() {
    const t = this.t;
    const kept = this.#typed(["tw-csat-comment"]);
    const checked = this.panel.querySelector("input[name=tw-rating]:checked");
    const error = h("p", { class: "alert", role: "alert", hidden: true });
    const comment = h("textarea", { id: "tw-csat-comment", rows: "2", maxlength: "1000", value: kept["tw-csat-comment"] });
    const choices = RATINGS.map(([value, label]) =>
      h(
        "label",
        { class: "star" },
        h("input", {
          type: "radio",
          name: "tw-rating",
          value: String(value),
          required: true,
          checked: checked instanceof HTMLInputElement && checked.value === String(value),
        }),
        h("span", { "aria-hidden": "true" }, String(value)),
        srOnly(t("csat.option", { value, label: t(label) })),
      ),
    );
    const submit = h("button", { type: "submit", class: "send" }, t("csat.send"));
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
      h("fieldset", {}, h("legend", {}, t("csat.legend")), h("div", { class: "stars" }, choices)),
      h("label", { for: "tw-csat-comment" }, t("csat.comment")),
      comment,
      error,
      submit,
    );
    replace(this.panel, form);
  }

  /** "Email me the transcript", asking for the address only when the service has none. */
  #transcriptRow() {
    const t = this.t;
    const told = h("p", { class: "notice transcript-told", role: "status" });
    const email = h("input", { id: "tw-transcript-email", type: "email", autocomplete: "email", maxlength: "254" });
    const ask = async (/** @type {string} */ address) => {
      button.disabled = true;
      const answer = await this.actions.emailTranscript(address);
      button.disabled = false;
      told.textContent = answer.text;
      if (answer.needEmail) {
        form.hidden = false;
        email.focus();
      }
      if (answer.sent) form.hidden = true;
    };
    const form = h(
      "form",
      { class: "transcript-form", hidden: true, onsubmit: (/** @type {Event} */ event) => (event.preventDefault(), ask(email.value.trim())) },
      h("label", { for: "tw-transcript-email" }, t("transcript.email")),
      email,
      h("button", { type: "submit", class: "send" }, t("transcript.send")),
    );
    const button = h("button", { type: "button", class: "link transcript-button", onclick: () => ask("") }, t("transcript.button"));
    return h("div", { class: "transcript-row" }, button, form, told);
  }

  /**
   * What the customer has typed in the panel's fields (by id), to keep across a re-render.
   * @param {string[]} ids
   * @returns {Record<string, string>}
   */
  #typed(ids) {
    /** @type {Record<string, string>} */
    const values = {};
    for (const id of ids) {
      const field = this.panel.querySelector(`#${id}`);
      values[id] = field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement ? field.value : "";
    }
    return values;
  }

  /**
   * @param {string} text
   * @param {string} [more] said after it, and announced (e.g. still nobody can come)
   */
  #notice(text, more = "") {
    const status = h("p", { class: "notice notice-more", role: "status" });
    replace(this.panel, h("p", { class: "notice" }, text), more ? status : null);
    // A live region is announced when its text changes, not when it arrives with its text.
    if (more) setTimeout(() => (status.textContent = more), 100);
  }

  /** @param {number} count */
  #setUnread(count) {
    this.unread = count;
    this.badge.textContent = count ? String(count) : "";
    this.badge.hidden = count === 0;
    this.#launcherLabel();
  }

  #scroll() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}
