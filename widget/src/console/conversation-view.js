// The open conversation's pane: header and actions, the story before replying, the transcript
// with what the bot understood, replies waiting to be sent, typing, the reply box with canned
// responses, internal notes, and the transfer and close forms. Renders only; every action
// goes to the controller. All text goes in as text (shared/dom.js).

import { append, h, replace, srOnly } from "../shared/dom.js";
import { humanReason, lengthCounter } from "../shared/format.js";
import { fillPlaceholders, glance, replaceShortcut, shortcutMatches, typedShortcut } from "./assist.js";
import { followUpByDefault, SOURCE_NAMES } from "./desk.js";
import { customerName } from "./names.js";
import { noteItem, nluChip, storyView, transcriptEntry } from "./parts.js";

/** @typedef {import("./controller.js").ConsoleController} ConsoleController */

const MAX_REPLY_CHARS = 4000; // the service's default TANDEM_MAX_MESSAGE_CHARS

/**
 * A conversation's details, or nothing yet (still loading).
 * @param {import("./desk.js").ConversationView} conv
 * @returns {Partial<import("../shared/protocol").ConversationInfo>}
 */
function infoOf(conv) {
  return conv.info || {};
}

export class ConversationPane {
  /** @param {() => ConsoleController} controller */
  constructor(controller) {
    this.controllerOf = controller;
    /** @type {HTMLElement|null} */
    this.main = null;
    /** @type {Record<string, HTMLElement>|null} the parts of the rendered conversation */
    this.parts = null;
    /** @type {ResizeObserver|null} keeps the transcript's end in sight when its box shrinks */
    this.resized = null;
    /** where the pane last scrolled the transcript to its end */
    this.endTop = -1;
  }

  get c() {
    return this.controllerOf();
  }

  /** @param {HTMLElement} main */
  mount(main) {
    this.main = main;
    this.parts = null;
  }

  /** The whole pane for the selected conversation (or a placeholder). */
  render() {
    if (!this.main) return;
    const c = this.c;
    const desk = c.desk;
    const id = desk.selected;
    if (!id) {
      this.parts = null;
      replace(
        this.main,
        h("div", { class: "placeholder" }, h("h2", {}, "No conversation open"), h("p", {}, "Pick one from the queue or from your conversations. New ones appear here as they arrive.")),
      );
      return;
    }
    const conv = desk.conversation(id);
    const info = infoOf(conv);
    const actions = h("div", { class: "actions" });
    if (info.state === "queued" || info.state === "offline") {
      append(actions, h("button", { type: "button", class: "primary", onclick: () => c.claim(id) }, info.state === "offline" ? "Answer this ticket" : "Claim"));
    }
    if (c.canReply(id)) {
      append(
        actions,
        h("button", { type: "button", onclick: () => c.handBack(id) }, "Hand back to bot"),
        h("button", { type: "button", onclick: () => this.openTransfer(id) }, "Transfer…"),
        h("button", { type: "button", onclick: () => this.openClose(id) }, "Close…"),
      );
    }
    const parts = {
      dialog: h("div", { class: "dialog-area" }),
      story: h("div", { class: "story-area" }),
      transcript: h("ol", { class: "transcript", role: "log", "aria-label": "Transcript", "aria-live": "polite" }),
      pending: h("ol", { class: "transcript pending" }),
      typing: h("p", { class: "typing", role: "status" }),
      suggestions: h("div", { class: "suggestions-area" }),
      composer: h("div", { class: "composer-area" }),
      notes: h("ul", { class: "notes-list", "aria-label": "Notes" }),
      emails: h("div", { class: "emails-area" }),
    };
    this.parts = parts;
    const noteText = /** @type {HTMLTextAreaElement} */ (h("textarea", { id: "note", rows: "2", maxlength: "4000" }));
    const noteForm = h(
      "form",
      {
        class: "note-form",
        onsubmit: async (/** @type {Event} */ event) => {
          event.preventDefault();
          if (await c.addNote(id, noteText.value)) noteText.value = "";
        },
      },
      h("label", { for: "note" }, "Add an internal note (agents only)"),
      noteText,
      h("button", { type: "submit" }, "Add note"),
    );
    replace(
      this.main,
      h(
        "header",
        { class: "conv-header" },
        h("h2", { id: "conv-title" }, customerName(info)),
        h("p", { class: "conv-state" }, `${info.state || "loading"} · ${humanReason(info.reason)}${info.owner ? ` · ${info.owner.name}` : ""}`),
        actions,
      ),
      parts.dialog,
      h(
        "div",
        { class: "conv-grid" },
        h(
          "section",
          { class: "thread", "aria-labelledby": "thread-title" },
          h("h3", { id: "thread-title" }, "Transcript"),
          this.#scrollBox(parts.transcript, parts.pending),
          parts.typing,
          parts.suggestions,
          parts.composer,
        ),
        h(
          "aside",
          { class: "context", "aria-label": "Context" },
          parts.story,
          h("section", { class: "notes", "aria-labelledby": "notes-title" }, h("h3", { id: "notes-title" }, "Internal notes"), parts.notes, noteForm),
          parts.emails,
        ),
      ),
    );
    this.appendEntries(conv.transcript.list());
    this.renderStory();
    this.renderNotes();
    this.renderEmails();
    this.renderTyping();
    this.renderComposer();
    this.renderSuggestions();
    this.renderPending();
  }

  /**
   * New entries of the selected conversation, in seq order, each once.
   * @param {import("../shared/transcript.js").Entry[]} entries
   */
  appendEntries(entries) {
    const selected = this.c.desk.selected;
    if (!this.parts || !selected) return;
    const conv = this.c.desk.conversation(selected);
    const list = this.parts.transcript;
    for (const entry of entries) {
      if (list.querySelector(`li[data-seq="${entry.seq}"]`)) continue;
      const item = transcriptEntry(entry, conv);
      const later = [...list.children].find((li) => li instanceof HTMLElement && Number(li.dataset.seq) > entry.seq);
      list.insertBefore(item, later || null);
      if (entry.nlu) {
        // The bot's answer names what it understood of an earlier customer message.
        const target = list.querySelector(`li[data-seq="${entry.nlu.seq}"] .nlu`);
        if (target) target.replaceWith(nluChip(conv.nlu.get(entry.nlu.seq)));
      }
    }
    const scroll = list.parentElement;
    if (scroll) this.#toEnd(scroll);
  }

  /** @param {HTMLElement} box the transcript's scrolling box, scrolled to its end */
  #toEnd(box) {
    box.scrollTop = box.scrollHeight;
    this.endTop = box.scrollTop;
  }

  /**
   * The transcript's scrolling box. What changes around it (the "Claimed." notice above the
   * page, a panel below it) changes its height, not its content: a box that showed its end
   * keeps showing it, as the chat itself does.
   * @param {HTMLElement[]} content
   */
  #scrollBox(...content) {
    const box = h("div", { class: "scroll" }, ...content);
    let atEnd = true;
    box.addEventListener("scroll", () => (atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 2));
    if (this.resized) this.resized.disconnect();
    // Where this pane last put it counts as the end too: the scroll event of that move may be
    // dispatched after the box shrank, measuring it as not at the end.
    const keep = () => (atEnd || box.scrollTop === this.endTop) && this.#toEnd(box);
    this.resized = typeof ResizeObserver === "function" ? new ResizeObserver(keep) : null;
    if (this.resized) this.resized.observe(box);
    return box;
  }

  /**
   * Draws with the transcript's end kept in sight: the typing line, the suggestions, the reply
   * box and the pending replies take room from the transcript, which would otherwise leave the
   * newest entry (the customer's question that brought the suggestions) under them.
   * @param {() => void} draw
   */
  #keepingEnd(draw) {
    const scroll = this.parts && this.parts.transcript.parentElement;
    const atEnd = !scroll || scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 2;
    draw();
    if (scroll && atEnd) this.#toEnd(scroll);
  }

  /** Replies not acknowledged yet ("sending…"), and those refused for good, to edit or delete. */
  renderPending() {
    this.#keepingEnd(() => this.#drawPending());
  }

  #drawPending() {
    const c = this.c;
    const selected = c.desk.selected;
    if (!this.parts || !selected) return;
    replace(
      this.parts.pending,
      c.pendingFor(selected).map((p) =>
        p.failed
          ? h(
              "li",
              { class: "entry entry-agent failed", dataset: { cmid: p.cmid } },
              h("span", { class: "who" }, "You (not sent)"),
              h("p", { class: "text" }, p.text),
              h("p", { class: "why" }, `The service refused it: ${p.failed.message || p.failed.code}`),
              h(
                "div",
                { class: "row" },
                h("button", { type: "button", onclick: () => c.editFailed(selected, p.cmid) }, "Edit"),
                h("button", { type: "button", onclick: () => c.deleteFailed(p.cmid) }, "Delete"),
              ),
            )
          : h("li", { class: "entry entry-agent pending" }, h("span", { class: "who" }, "You (sending…)"), h("p", { class: "text" }, p.text)),
      ),
    );
  }

  renderStory() {
    const c = this.c;
    if (!this.parts || !c.desk.selected) return;
    const conv = c.desk.conversation(c.desk.selected);
    const seen = glance(infoOf(conv), conv.transcript.list(), c.now() / 1000);
    /** @type {[string, string][]} */
    const lines = [
      ["Why a person", seen.why],
      ["Wants", seen.wants],
      ["Bot said", seen.botSaid],
      ["Waited", seen.waited],
    ];
    const glanceView = h(
      "section",
      { class: "glance", "aria-labelledby": "glance-title" },
      h("h3", { id: "glance-title" }, "At a glance"),
      h("dl", { class: "glance-lines" }, lines.map(([term, text]) => [h("dt", {}, term), h("dd", {}, text)])),
    );
    replace(this.parts.story, glanceView, storyView(c.desk.conversation(c.desk.selected), { onOpenHistory: (/** @type {string} */ cid) => c.select(cid), labels: c.desk.summaryLabels }));
  }

  renderNotes() {
    const desk = this.c.desk;
    if (!this.parts || !desk.selected) return;
    const notes = [...desk.conversation(desk.selected).notes.values()].sort((a, b) => a.ts - b.ts);
    replace(this.parts.notes, notes.length ? notes.map(noteItem) : h("li", { class: "muted" }, "No notes yet."));
  }

  /** The emails to the customer and where each stands; "Email the transcript". */
  renderEmails() {
    const c = this.c;
    const id = c.desk.selected;
    if (!this.parts || !id) return;
    const conv = c.desk.conversation(id);
    const emails = [...conv.emails.values()].sort((a, b) => b.created_at - a.created_at);
    const known = conv.info && conv.info.contact ? conv.info.contact.email : "";
    const address = /** @type {HTMLInputElement} */ (h("input", { id: "transcript-to", type: "email", placeholder: "customer@example.org", value: "" }));
    const form = h(
      "form",
      {
        class: "transcript-form",
        onsubmit: async (/** @type {Event} */ event) => {
          event.preventDefault();
          await c.sendTranscript(id, known ? "" : address.value);
        },
      },
      known ? null : h("label", { for: "transcript-to" }, "Customer's email"),
      known ? null : address,
      h("button", { type: "submit" }, known ? `Email the transcript to ${known}` : "Email the transcript"),
    );
    replace(
      this.parts.emails,
      h(
        "section",
        { class: "emails", "aria-labelledby": "emails-title" },
        h("h3", { id: "emails-title" }, "Emails to the customer"),
        h("ul", { class: "emails-list", "aria-label": "Emails" }, emails.length ? emails.map(emailItem) : h("li", { class: "muted" }, "None yet.")),
        form,
      ),
    );
  }

  renderTyping() {
    this.#keepingEnd(() => this.#drawTyping());
  }

  #drawTyping() {
    const desk = this.c.desk;
    if (!this.parts || !desk.selected) return;
    this.parts.typing.textContent = desk.conversation(desk.selected).customerTyping ? "Customer is typing…" : "";
  }

  /** The reply box (mine, with a person on it), or why there is none. */
  renderComposer() {
    this.#keepingEnd(() => this.#drawComposer());
  }

  #drawComposer() {
    const c = this.c;
    const id = c.desk.selected;
    if (!this.parts || !id) return;
    const info = infoOf(c.desk.conversation(id));
    if (!c.canReply(id)) {
      const why =
        info.state === "queued" || info.state === "offline"
          ? "Claim this conversation to reply."
          : info.state === "closed"
            ? "This conversation is closed."
            : info.state === "bot"
              ? "The bot has this conversation."
              : info.owner
                ? `${info.owner.name} has this conversation.`
                : "";
      replace(this.parts.composer, h("p", { class: "muted" }, why));
      return;
    }
    const language = info.language || "en";
    // "/word" at the end of the reply: the canned responses it names, the conversation's variant.
    const shortcuts = h("ul", { id: "shortcuts", class: "shortcuts", role: "listbox", "aria-label": "Matching /shortcuts", hidden: true });
    /** @type {(import("../shared/protocol").Canned & {key: string})[]} */
    let matches = [];
    let active = 0;
    const pick = (/** @type {number} */ index) => {
      const chosen = matches[index];
      if (!chosen) return;
      text.value = replaceShortcut(text.value, fillPlaceholders(chosen.text, info));
      matches = [];
      showShortcuts();
      c.draftChanged(id, text.value);
      count();
      text.focus();
    };
    const showShortcuts = () => {
      shortcuts.hidden = !matches.length;
      replace(
        shortcuts,
        matches.slice(0, 6).map((m, index) =>
          h(
            "li",
            { role: "option", "aria-selected": String(index === active), class: index === active ? "active" : "", onmousedown: (/** @type {Event} */ e) => (e.preventDefault(), pick(index)) },
            h("span", { class: "shortcut" }, `/${m.key}`),
            " ",
            h("span", { class: "title" }, `${m.title}${m.language !== language ? ` (${m.language})` : ""}`),
          ),
        ),
      );
    };
    const complete = () => {
      const typed = typedShortcut(text.value);
      matches = typed === null ? [] : shortcutMatches(c.desk.canned, typed, language).slice(0, 6);
      active = 0;
      showShortcuts();
    };
    const text = /** @type {HTMLTextAreaElement} */ (
      h("textarea", {
        id: "reply",
        rows: "3",
        // No maxlength (it cuts a paste silently): the counter warns, Send refuses.
        value: c.draft(id),
        "aria-describedby": "reply-counter",
        "aria-controls": "shortcuts",
        oninput: () => (c.draftChanged(id, text.value), count(), complete()),
        onkeydown: (/** @type {KeyboardEvent} */ event) => {
          if (matches.length && !event.isComposing) {
            const moves = { ArrowDown: 1, ArrowUp: -1 };
            if (event.key in moves) {
              event.preventDefault();
              active = (active + moves[/** @type {"ArrowDown"|"ArrowUp"} */ (event.key)] + matches.length) % matches.length;
              showShortcuts();
              return;
            }
            if (event.key === "Enter" || event.key === "Tab") {
              event.preventDefault();
              pick(active);
              return;
            }
            if (event.key === "Escape") {
              matches = [];
              showShortcuts();
              return;
            }
          }
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            submit();
          }
        },
      })
    );
    const counter = h("span", { class: "counter", id: "reply-counter", "aria-live": "polite" });
    const count = () => {
      const { text: shown, over } = lengthCounter(text.value.length, MAX_REPLY_CHARS);
      counter.textContent = over ? `${shown}: too long to send, shorten it by ${text.value.length - MAX_REPLY_CHARS}` : shown;
      counter.classList.toggle("over", over);
    };
    const submit = () => {
      const value = text.value;
      if (!value.trim()) return;
      if (value.length > MAX_REPLY_CHARS) {
        count();
        c.view.announce(`Not sent: a message is at most ${MAX_REPLY_CHARS.toLocaleString("en")} characters.`);
        return;
      }
      text.value = "";
      count();
      c.send(id, value);
      text.focus();
    };
    const canned = [...c.desk.canned].sort((a, b) => (a.language === language ? 0 : 1) - (b.language === language ? 0 : 1));
    const picker = /** @type {HTMLSelectElement} */ (
      h(
        "select",
        {
          id: "canned",
          onchange: () => {
            if (picker.value) {
              text.value = c.insertCanned(id, picker.value, text.value);
              text.focus();
            }
            picker.value = "";
          },
        },
        h("option", { value: "" }, "Insert a canned response…"),
        canned.map((r) => h("option", { value: r.id }, `${r.title}${r.language && r.language !== language ? ` (${r.language})` : ""}`)),
      )
    );
    replace(
      this.parts.composer,
      h(
        "form",
        { class: "reply-form", onsubmit: (/** @type {Event} */ event) => (event.preventDefault(), submit()) },
        h("label", { for: "canned", class: "sr-only" }, "Canned responses"),
        picker,
        h("label", { for: "reply" }, "Reply to customer"),
        text,
        shortcuts,
        h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Send"), h("span", { class: "muted" }, "Enter sends · Shift+Enter new line · / for canned"), counter),
      ),
    );
  }

  /** Suggested replies above the reply box (mine, with a person on it): one click inserts. */
  renderSuggestions() {
    this.#keepingEnd(() => this.#drawSuggestions());
  }

  #drawSuggestions() {
    const c = this.c;
    const id = c.desk.selected;
    if (!this.parts || !id) return;
    const shown = c.desk.conversation(id).suggestions;
    if (!c.canReply(id) || !shown || !shown.suggestions.length) {
      replace(this.parts.suggestions);
      return;
    }
    replace(
      this.parts.suggestions,
      h(
        "section",
        { class: "suggestions", "aria-labelledby": "suggestions-title" },
        h("h3", { id: "suggestions-title" }, "Suggested replies"),
        h(
          "ol",
          { class: "suggestion-list" },
          shown.suggestions.map((s, index) =>
            h(
              "li",
              { class: `suggestion suggestion-${s.source}`, dataset: { suggestion: s.id, source: s.source } },
              h("p", { class: "suggestion-text" }, s.text),
              h("p", { class: "why" }, `${SOURCE_NAMES[s.source] || s.source} · ${s.why}`),
              h(
                "button",
                {
                  type: "button",
                  class: "insert",
                  "aria-label": `Insert suggestion ${index + 1} into the reply`,
                  onclick: () => {
                    const reply = this.main && this.main.querySelector("#reply");
                    if (!(reply instanceof HTMLTextAreaElement)) return;
                    reply.value = c.insertSuggestion(id, s.id, reply.value);
                    reply.dispatchEvent(new Event("input"));
                    reply.focus();
                  },
                },
                "Insert",
              ),
            ),
          ),
        ),
      ),
    );
  }

  focusReply() {
    const reply = this.main && this.main.querySelector("#reply");
    if (reply instanceof HTMLElement) reply.focus();
  }

  closeDialog() {
    if (this.parts) replace(this.parts.dialog);
  }

  /** @param {string} id */
  async openTransfer(id) {
    const c = this.c;
    const others = await c.colleagues();
    if (!others || !this.parts || c.desk.selected !== id) return;
    const select = /** @type {HTMLSelectElement} */ (
      h(
        "select",
        { id: "transfer-to", required: true },
        h("option", { value: "" }, "Choose a colleague…"),
        others.map((a) =>
          h(
            "option",
            { value: a.id, disabled: !a.online || a.status === "away" },
            `${a.name} — ${a.online ? a.status : "offline"}, ${a.load}/${a.capacity}, ${a.languages.join("/")}${a.skills.length ? `, ${a.skills.join("/")}` : ""}`,
          ),
        ),
      )
    );
    const note = /** @type {HTMLTextAreaElement} */ (h("textarea", { id: "transfer-note", rows: "2", maxlength: "4000" }));
    replace(
      this.parts.dialog,
      h(
        "form",
        {
          class: "inline-dialog",
          "aria-labelledby": "transfer-title",
          onsubmit: (/** @type {Event} */ event) => {
            event.preventDefault();
            c.transfer(id, select.value, note.value);
          },
        },
        h("h3", { id: "transfer-title" }, "Transfer to a colleague"),
        others.length ? null : h("p", { class: "muted" }, "No colleagues yet."),
        h("label", { for: "transfer-to" }, "Colleague"),
        select,
        h("label", { for: "transfer-note" }, "Note for them (internal)"),
        note,
        h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Transfer"), h("button", { type: "button", onclick: () => this.closeDialog() }, "Cancel")),
      ),
    );
    select.focus();
  }

  /** @param {string} id */
  openClose(id) {
    const c = this.c;
    if (!this.parts) return;
    const resolution = /** @type {HTMLTextAreaElement} */ (h("textarea", { id: "resolution", rows: "2", maxlength: "2000", required: true }));
    const tags = /** @type {HTMLInputElement} */ (h("input", { id: "tags", type: "text", placeholder: "e.g. delivery, refund" }));
    const conv = c.desk.conversation(id);
    const followUp = /** @type {HTMLInputElement} */ (
      h("input", { id: "follow-up", type: "checkbox", checked: followUpByDefault(infoOf(conv), conv.transcript.list()) })
    );
    replace(
      this.parts.dialog,
      h(
        "form",
        {
          class: "inline-dialog",
          "aria-labelledby": "close-title",
          onsubmit: (/** @type {Event} */ event) => {
            event.preventDefault();
            c.close(id, resolution.value, tags.value, followUp.checked);
          },
        },
        h("h3", { id: "close-title" }, "Close the conversation"),
        h("label", { for: "resolution" }, "Resolution note"),
        resolution,
        h("label", { for: "tags" }, "Tags (comma separated)"),
        tags,
        h("label", { for: "follow-up", class: "check" }, followUp, ` Ask later: "Was your problem solved?" (in the chat, and by email when they left one)`),
        h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Close conversation"), h("button", { type: "button", onclick: () => this.closeDialog() }, "Cancel")),
        srOnly("The customer will be asked to rate the conversation."),
      ),
    );
    resolution.focus();
  }
}

const EMAIL_STATUS = /** @type {Record<string, string>} */ ({
  queued: "queued",
  sending: "sending…",
  sent: "sent",
  retrying: "retrying",
  failed: "failed",
  skipped: "not sent",
});

/** @param {import("../shared/protocol").EmailInfo} email */
function emailItem(email) {
  const what = email.kind === "transcript" ? "Transcript" : email.kind === "followup" ? "Follow-up" : "Reply";
  const tries = email.tries > 1 ? ` (${email.tries} tries)` : "";
  return h(
    "li",
    { class: `email email-${email.status}`, dataset: { id: email.id, status: email.status } },
    h("span", { class: "email-what" }, `${what} to ${email.to}: `),
    h("strong", { class: "email-status" }, EMAIL_STATUS[email.status] || email.status),
    tries,
    email.reason ? h("span", { class: "email-reason" }, ` — ${email.reason}`) : null,
  );
}
