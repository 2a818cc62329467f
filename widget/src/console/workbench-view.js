// The workbench page (/console#workbench): renders what workbench.js holds and hands clicks
// back to it. Customer text, diffs and logs go in as text only (shared/dom.js).

import { h, replace } from "../shared/dom.js";

/** @typedef {import("./workbench.js").WorkbenchController} WorkbenchController */

const REASON_LABELS = /** @type {Record<string, string>} */ ({
  fallback: "fell back",
  clarified: "asked “did you mean”",
  low_confidence: "low confidence",
  handoff_low_confidence: "before a handoff (not understood)",
  handoff_loop: "before a handoff (going in circles)",
  handoff_frustration: "before a handoff (frustration)",
  handoff_requested: "before asking for a person",
  csat_low: "in a badly rated conversation",
  agent_answered: "a person answered",
});

export class WorkbenchView {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    /** @type {WorkbenchController|null} */
    this.controller = null;
  }

  /** @param {WorkbenchController} controller */
  bind(controller) {
    this.controller = controller;
    return this;
  }

  render() {
    const c = this.controller;
    if (!c) return;
    const intents = h("datalist", { id: "wb-intents" }, c.intents.map((i) => h("option", { value: i })));
    const focus = this.#focused();
    replace(
      this.root,
      h("header", { class: "topbar" }, h("h1", {}, "Workbench"), h("div", { class: "spacer" }), h("a", { href: "#", class: "link" }, "Back to the desk")),
      h("p", { class: "wb-message", role: "status", "aria-live": "polite" }, c.message),
      intents,
      h("div", { class: "wb-layout" }, this.#inbox(c), h("div", { class: "wb-side" }, this.#changes(c), this.#job(c), this.#test(c))),
    );
    this.#refocus(focus);
  }

  /**
   * The field being typed into (by id) and its caret, so that a redraw (a job's poll, a late
   * answer) does not take the focus away mid-word: the keys typed after it would go nowhere.
   * @returns {{id: string, start: number|null, end: number|null}|null}
   */
  #focused() {
    const el = /** @type {HTMLInputElement|null} */ (this.root.ownerDocument.activeElement);
    if (!el || !el.id || !this.root.contains(el)) return null;
    const text = el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text");
    return { id: el.id, start: text ? el.selectionStart : null, end: text ? el.selectionEnd : null };
  }

  /** @param {{id: string, start: number|null, end: number|null}|null} focus */
  #refocus(focus) {
    if (!focus) return;
    const el = /** @type {HTMLInputElement|null} */ (this.root.ownerDocument.getElementById(focus.id));
    if (!el || !this.root.contains(el)) return;
    el.focus();
    if (focus.start !== null && focus.end !== null) el.setSelectionRange(focus.start, focus.end);
  }

  /** @param {WorkbenchController} c */
  #inbox(c) {
    const select = (/** @type {string} */ name, /** @type {string[]} */ values, /** @type {(v: string) => string} */ label) => {
      const el = h("select", { id: `wb-${name}`, onchange: () => c.setFilter(name, el.value) }, values.map((v) => h("option", { value: v }, label(v))));
      el.value = c.filters[name] || "";
      return el;
    };
    const language = h("input", { id: "wb-language", size: "4", value: c.filters.language, placeholder: "en", onchange: () => c.setFilter("language", language.value.trim()) });
    const intent = h("input", { id: "wb-intent", list: "wb-intents", value: c.filters.intent, placeholder: "any intent", onchange: () => c.setFilter("intent", intent.value.trim()) });
    const filters = h(
      "div",
      { class: "wb-filters" },
      h("label", { for: "wb-reason" }, "Why"),
      select("reason", ["", ...c.reasons], (v) => (v ? REASON_LABELS[v] || v : "any reason")),
      h("label", { for: "wb-intent" }, "Predicted"),
      intent,
      h("label", { for: "wb-language" }, "Language"),
      language,
      h("label", { for: "wb-status" }, "Status"),
      select("status", ["pending", "labelled", "saved", "ignored", ""], (v) => v || "all"),
    );
    const rows = c.items.map((item) => this.#item(c, item));
    return h(
      "section",
      { class: "wb-inbox", "aria-labelledby": "wb-inbox-title" },
      h("h2", { id: "wb-inbox-title" }, `Inbox (${c.total})`),
      filters,
      h("ul", { class: "wb-items" }, rows.length ? rows : h("li", { class: "empty" }, "Nothing here: the bot understood everyone (or the filters are too narrow).")),
    );
  }

  /** @param {WorkbenchController} c @param {any} item */
  #item(c, item) {
    const draft = c.drafts[item.id] || (c.drafts[item.id] = { intent: "", topic: "" });
    const typed = (/** @type {Event} */ e) => /** @type {HTMLInputElement} */ (e.target).value;
    const other = h("input", {
      list: "wb-intents",
      placeholder: "another intent…",
      "aria-label": "Another intent",
      value: draft.intent,
      oninput: (/** @type {Event} */ e) => (draft.intent = typed(e)),
    });
    const topic = h("input", {
      placeholder: "new_topic_name",
      "aria-label": "New FAQ topic",
      size: "14",
      value: draft.topic,
      oninput: (/** @type {Event} */ e) => (draft.topic = typed(e)),
    });
    // Runners-up a writer can label with: not the prediction, not the fallback, and not the
    // bare retrieval intent "faq" (the channel spells it out as its topics, faq/<topic>, when
    // the response selector ranked them; bot/channel.py ranked_intents).
    const known = (/** @type {string} */ name) => (c.intents.length ? c.intents.includes(name) : name !== "faq");
    // Free labels: what customers picked when the bot asked "Did you mean…?", most picked first.
    const picked = Object.entries(item.picked || {}).sort((a, b) => Number(b[1]) - Number(a[1]));
    const ranking = (item.ranking || []).filter((/** @type {any} */ r) => r.name !== item.intent && r.name !== "nlu_fallback" && known(r.name) && !(item.picked && r.name in item.picked));
    const reasons = Object.entries(item.reasons || {}).map(([r, n]) => `${REASON_LABELS[r] || r}${Number(n) > 1 ? ` ×${n}` : ""}`);
    const warnings = c.warnings[item.id] || [];
    const canConfirm = item.intent && item.intent !== "nlu_fallback" && item.intent !== "out_of_scope";
    return h(
      "li",
      { class: `wb-item status-${item.status}`, dataset: { id: item.id } },
      h("p", { class: "wb-text" }, h("span", { class: "wb-count", title: "times seen" }, `${item.count}×`), " ", item.text),
      h(
        "p",
        { class: "wb-meta" },
        `${item.language || "?"} · predicted ${item.intent || "—"}${item.confidence == null ? "" : ` (${Number(item.confidence).toFixed(2)})`} · ${reasons.join(", ")}`,
      ),
      item.reply ? h("p", { class: "wb-reply" }, "A person answered: ", item.reply) : null,
      h(
        "div",
        { class: "wb-actions" },
        canConfirm ? h("button", { type: "button", class: "wb-confirm", onclick: () => c.label(item.id, "confirm") }, `Yes, ${item.intent}`) : null,
        picked.map(([intent, n]) => h("button", { type: "button", class: "wb-picked", title: "what customers picked from “Did you mean…?”", onclick: () => c.label(item.id, "intent", { intent }) }, `customers picked ${intent} (${n}×)`)),
        ranking.map((/** @type {any} */ r) => h("button", { type: "button", class: "wb-pick", onclick: () => c.label(item.id, "intent", { intent: r.name }) }, `${r.name} (${Number(r.confidence).toFixed(2)})`)),
        other,
        h("button", { type: "button", onclick: () => draft.intent.trim() && c.label(item.id, "intent", { intent: draft.intent.trim() }) }, "Label"),
        topic,
        h("button", { type: "button", onclick: () => draft.topic.trim() && c.label(item.id, "new_topic", { topic: draft.topic.trim() }) }, "New FAQ topic"),
        h("button", { type: "button", class: "link", onclick: () => c.label(item.id, "ignore") }, "Ignore"),
      ),
      warnings.length ? h("ul", { class: "wb-warnings" }, warnings.map((w) => h("li", {}, w))) : null,
      h(
        "p",
        { class: "wb-links" },
        "Seen in: ",
        (item.conversations || []).slice(0, 3).map((/** @type {string} */ ref) => {
          const id = ref.split(":")[0];
          return h("button", { type: "button", class: "link", onclick: () => c.draftTest(id) }, `${id} → test`);
        }),
      ),
    );
  }

  /** @param {WorkbenchController} c */
  #changes(c) {
    const message = h("input", {
      id: "wb-commit-message",
      placeholder: "what the change is for (optional)",
      size: "30",
      value: c.commitMessage,
      oninput: (/** @type {Event} */ e) => (c.commitMessage = /** @type {HTMLInputElement} */ (e.target).value),
    });
    return h(
      "section",
      { class: "wb-changes", "aria-labelledby": "wb-changes-title" },
      h("h2", { id: "wb-changes-title" }, "Changes to the training data"),
      h("button", { type: "button", id: "wb-show-changes", onclick: () => c.showChanges() }, "Show the diff"),
      c.changes
        ? [
            h("p", {}, c.changes.files.length ? `Files: ${c.changes.files.join(", ")}` : "Nothing to save: label some messages first."),
            h("pre", { class: "wb-diff" }, c.changes.diff),
            c.changes.files.length ? [message, h("button", { type: "button", id: "wb-save", onclick: () => c.save(c.commitMessage) }, "Save as a commit")] : null,
          ]
        : null,
    );
  }

  /** @param {WorkbenchController} c */
  #job(c) {
    const job = c.job;
    return h(
      "section",
      { class: "wb-job", "aria-labelledby": "wb-job-title" },
      h("h2", { id: "wb-job-title" }, "Check & train"),
      h("button", { type: "button", id: "wb-train", disabled: Boolean(job && job.status === "running"), onclick: () => c.checkAndTrain() }, "Check & train"),
      job
        ? [
            h("p", { class: `wb-job-status ${job.status}` }, `${job.status} (${job.where || "…"}), started by ${job.started_by}`),
            h("progress", { max: "1", value: String(job.progress) }),
            h("ol", { class: "wb-steps" }, job.steps.map((/** @type {any} */ s) => h("li", { class: s.status }, `${s.name} — ${s.status}`))),
            job.verdict.length ? h("pre", { class: "wb-verdict" }, job.verdict.join("\n")) : null,
            h("pre", { class: "wb-tail" }, job.tail.join("\n")),
            job.predictions.length
              ? h(
                  "table",
                  { class: "wb-predictions" },
                  h("tr", {}, h("th", {}, "message"), h("th", {}, "the new model says")),
                  job.predictions.map((/** @type {any} */ p) => h("tr", {}, h("td", {}, p.text), h("td", {}, p.error || `${p.intent} (${Number(p.confidence).toFixed(2)})`))),
                )
              : null,
          ]
        : null,
    );
  }

  /** @param {WorkbenchController} c */
  #test(c) {
    const test = c.test;
    if (!test) return null;
    // What is typed goes to the controller as it is typed: a redraw (a poll) rebuilds these.
    const typed = (/** @type {Event} */ e) => /** @type {HTMLInputElement} */ (e.target).value;
    const name = h("input", { id: "wb-test-name", value: test.name, size: "30", oninput: (/** @type {Event} */ e) => (test.name = typed(e)) });
    const steps = h("textarea", { id: "wb-test-steps", rows: "10", cols: "50", oninput: (/** @type {Event} */ e) => (test.text = typed(e)) });
    steps.value = test.text;
    return h(
      "section",
      { class: "wb-test", "aria-labelledby": "wb-test-title" },
      h("h2", { id: "wb-test-title" }, `Test conversation from ${test.conversationId}`),
      h("label", { for: "wb-test-name" }, "tests/conversations/test_"),
      name,
      h("p", {}, "One step a line: “user: <text> | <intent>” or “action: <name>”."),
      steps,
      h("button", { type: "button", id: "wb-save-test", onclick: () => c.saveTest() }, "Save test conversation"),
      h("button", { type: "button", class: "link", onclick: () => c.cancelTest() }, "Cancel"),
    );
  }
}
