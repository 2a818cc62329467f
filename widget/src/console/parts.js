// The console's DOM pieces (pure builders: data in, elements out). Text is always set as text.

import { h, srOnly } from "../shared/dom.js";
import { clock, confidence, humanReason, shortDuration } from "../shared/format.js";
import { languageLabel } from "../shared/languages.js";
import { displayText } from "../shared/transcript.js";
import { summaryRows, waitLevel } from "./desk.js";
import { contactEmail, customerName } from "./names.js";

/** @typedef {import("./desk.js").ConversationView} ConversationView */
/** @typedef {import("../shared/protocol").QueueItem} QueueItem */
/** @typedef {import("../shared/transcript.js").Entry} Entry */

/**
 * The login form; `onSubmit` resolves to null when logged in, else the problem to show.
 * @param {(username: string, password: string) => Promise<string|null>} onSubmit
 * @param {string} [message] why the agent is here again ("Your session has ended…")
 */
export function loginView(onSubmit, message = "") {
  const error = h("p", { class: "error", role: "alert", hidden: !message }, message);
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true, maxlength: "64" });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true, maxlength: "256" });
  const submit = h("button", { type: "submit", class: "primary" }, "Log in");
  const form = h(
    "form",
    {
      class: "login-form",
      "aria-labelledby": "login-title",
      onsubmit: async (/** @type {Event} */ event) => {
        event.preventDefault();
        submit.disabled = true;
        const problem = await onSubmit(username.value.trim(), password.value);
        submit.disabled = false;
        if (problem) {
          error.textContent = problem;
          error.hidden = false;
          password.select();
        }
      },
    },
    h("h1", { id: "login-title" }, "Tandem agent console"),
    h("label", { for: "username" }, "Username"),
    username,
    h("label", { for: "password" }, "Password"),
    password,
    error,
    submit,
  );
  return { root: h("main", { class: "login" }, form), focus: () => username.focus() };
}

/**
 * A queue entry or ticket row. `speaks`: the agent speaks its language (or a related one),
 * said in words ("you speak it"), not by colour alone.
 * @param {QueueItem} item
 * @param {{now: number, target: number, eligible: boolean, selected: boolean, speaks: boolean,
 *   onOpen: () => void, onClaim: () => void}} options
 */
export function queueItem(item, { now, target, eligible, onOpen, onClaim, selected, speaks }) {
  const waited = now - item.queued_at;
  const level = item.state === "offline" ? "ticket" : waitLevel(waited, target);
  const preview = item.preview || "(no message yet)";
  const email = contactEmail(item);
  const contact = item.contact && item.contact.name ? `${item.contact.name} <${email}>` : email;
  // Why Claim is disabled, in words on the row (a tooltip alone is missed, and unread by touch).
  const reserved = eligible ? "" : reservedText(item);
  return h(
    "li",
    {
      class: `queue-item wait-${level}${selected ? " selected" : ""}${speaks ? " speaks" : ""}`,
      dataset: { conversationId: item.conversation_id, queuedAt: String(item.queued_at), language: item.language || "" },
    },
    h(
      "button",
      { type: "button", class: "open", onclick: onOpen, "aria-current": selected ? "true" : null },
      h(
        "span",
        { class: "line" },
        h("span", { class: "badge reason" }, humanReason(item.reason)),
        item.language ? h("span", { class: "badge lang", title: "Language" }, languageLabel(item.language)) : null,
        speaks ? h("span", { class: "badge speaks", title: "You speak this language" }, h("span", { "aria-hidden": "true" }, "✓ "), "you speak it") : null,
        item.skill ? h("span", { class: "badge skill" }, item.skill) : null,
        item.reopened ? h("span", { class: "badge reopened" }, REOPENED[item.reopened] || "reopened") : null,
        h("span", { class: "wait", title: "Waiting for" }, item.state === "offline" ? offlineWhy(item.offline_reason) : shortDuration(waited)),
      ),
      h("span", { class: "preview" }, preview),
      contact ? h("span", { class: "contact" }, contact) : null,
      reserved ? h("span", { class: "reserved", id: `reserved-${item.conversation_id}` }, reserved) : null,
      srOnly(item.state === "offline" ? "Offline ticket." : `Waiting ${shortDuration(waited)}.`),
    ),
    h(
      "button",
      {
        type: "button",
        class: "claim",
        disabled: !eligible,
        title: reserved || null,
        "aria-describedby": reserved ? `reserved-${item.conversation_id}` : null,
        onclick: onClaim,
        "aria-label": `${item.state === "offline" ? "Answer" : "Claim"}: ${preview.slice(0, 60)}`,
      },
      item.state === "offline" ? "Answer" : "Claim",
    ),
  );
}

/**
 * Why a ticket is a ticket, in a few words ("nobody speaks the language").
 * @param {string|undefined} reason the conversation's `offline_reason`
 */
export function offlineWhy(reason) {
  /** @type {Record<string, string>} */
  const why = {
    closed_hours: "after hours",
    no_agents: "nobody online",
    no_speaker: "nobody speaks the language",
    wait_limit: "waited too long",
    customer: "left a message",
  };
  return (reason && why[reason]) || "offline";
}

/**
 * A row of "My conversations".
 * @param {ConversationView} conv
 * @param {{selected: boolean, onOpen: () => void}} options
 */
export function mineItem(conv, { selected, onOpen }) {
  const info = conv.info || { reason: "" };
  const last = conv.transcript.last();
  return h(
    "li",
    { class: `mine-item${selected ? " selected" : ""}`, dataset: { conversationId: conv.id } },
    h(
      "button",
      { type: "button", class: "open", onclick: onOpen, "aria-current": selected ? "true" : null },
      h(
        "span",
        { class: "line" },
        conv.info ? h("span", { class: "who" }, customerName(conv.info)) : null,
        h("span", { class: "badge reason" }, humanReason(info.reason)),
        conv.unread ? h("span", { class: "badge unread", "aria-label": `${conv.unread} unread` }, String(conv.unread)) : null,
        conv.customerTyping ? h("span", { class: "typing-dot" }, "typing…") : null,
      ),
      h("span", { class: "preview" }, last ? last.text : "…"),
    ),
  );
}

/**
 * One transcript entry, with what the bot understood of customer messages.
 * @param {Entry} entry
 * @param {ConversationView} conv
 */
export function transcriptEntry(entry, conv) {
  const who =
    entry.author === "customer"
      ? "Customer"
      : entry.author === "bot"
        ? "Bot"
        : entry.author === "agent"
          ? entry.agent_name || "Agent"
          : "System";
  const nlu = entry.author === "customer" ? conv.nlu.get(entry.seq) : null;
  const buttons = entry.buttons && entry.buttons.length
    ? h("p", { class: "buttons" }, "Buttons: ", entry.buttons.map((b) => b.title).join(" · "))
    : null;
  return h(
    "li",
    { class: `entry entry-${entry.author}`, dataset: { seq: String(entry.seq), author: entry.author } },
    h("span", { class: "who" }, who),
    h("span", { class: "time" }, clock(entry.ts)),
    entry.channel === "email" ? h("span", { class: "badge channel", title: "A reply by email, quoted history left out" }, "by email") : null,
    h("p", { class: "text" }, displayText(entry, conv.transcript)),
    buttons,
    entry.author === "customer" ? nluChip(nlu) : null,
  );
}

/** @param {{intent: string, confidence: number|null}|null|undefined} nlu */
export function nluChip(nlu) {
  if (!nlu) return h("p", { class: "nlu nlu-none" }, "not answered by the bot");
  return h(
    "p",
    { class: "nlu" },
    "intent ",
    h("code", { class: "intent" }, nlu.intent || "—"),
    " · confidence ",
    h("span", { class: "confidence" }, confidence(nlu.confidence)),
  );
}

/**
 * "Before you reply": reason, summary, contact, and the customer's earlier conversations.
 * @param {ConversationView} conv
 * @param {{onOpenHistory: (conversationId: string) => void,
 *   labels?: import("../shared/protocol").SummaryLabels|null}} options the summary's words
 */
export function storyView(conv, { onOpenHistory, labels = null }) {
  /** @type {Partial<import("../shared/protocol").ConversationInfo>} */
  const info = conv.info || {};
  /** @type {[string, string][]} */
  const facts = [
    ["Handoff reason", info.reason ? `${info.reason} (${humanReason(info.reason)})` : "—"],
    ["Language", languageLabel(info.language)],
    ["Skill", info.skill || "—"],
    ["State", info.state || "—"],
  ];
  if (info.owner) facts.push(["Owner", info.owner.name]);
  if (info.queued_at) facts.push(["Handed off at", clock(info.queued_at)]);
  if (info.contact) facts.push(["Contact", `${info.contact.name ? `${info.contact.name} ` : ""}<${info.contact.email}>`]);
  if (info.offline_reason) facts.push(["Offline because", offlineWhy(info.offline_reason)]);
  facts.push(...closingRows(info));
  const summary = summaryRows(info.summary, labels);
  const history = (conv.history || []).filter((c) => c.conversation_id !== conv.id);
  return h(
    "section",
    { class: "story", "aria-labelledby": "story-title" },
    h("h3", { id: "story-title" }, "Before you reply"),
    definitionList(facts, "facts"),
    h("h4", {}, "Triage summary"),
    summary.length ? definitionList(summary, "summary") : h("p", { class: "muted" }, "No triage answers."),
    h("h4", {}, "Earlier conversations"),
    conv.history === null
      ? h("p", { class: "muted" }, "Loading…")
      : history.length
        ? h(
            "ul",
            { class: "history" },
            history.map((c) =>
              h(
                "li",
                {},
                h(
                  "button",
                  { type: "button", class: "link", onclick: () => onOpenHistory(c.conversation_id) },
                  historyLine(c),
                ),
                closingRows(c).length ? definitionList(closingRows(c), "closing") : null,
              ),
            ),
          )
        : h("p", { class: "muted" }, "None: this is their first conversation."),
  );
}

/**
 * Why a queued conversation cannot be claimed yet: "Reserved until 14:05 for agents who speak
 * Croatian (hr) and have the skill billing."
 * @param {import("../shared/protocol").QueueItem} item
 */
export function reservedText(item) {
  const needs = [];
  if (item.language) needs.push(`speak ${languageLabel(item.language)}`);
  if (item.skill) needs.push(`have the skill ${item.skill}`);
  const until = item.exclusive_until ? ` until ${clock(item.exclusive_until)}` : " for now";
  return `Reserved${until} for agents who ${needs.join(" and ") || "match it"}; you can claim it then.`;
}

/**
 * Today's latest rating comments ("4 / 5 · refund, vip", then the comment, as text).
 * @param {NonNullable<import("../shared/protocol").DeskStats["csat_comments"]>} comments
 */
export function csatComments(comments) {
  return h(
    "section",
    { class: "csat-comments", "aria-labelledby": "csat-comments-title" },
    h("h3", { id: "csat-comments-title" }, "Latest comments"),
    h(
      "ul",
      {},
      comments.slice(0, 5).map((c) =>
        h(
          "li",
          {},
          h("span", { class: "muted" }, [`${c.rating} / 5`, ...(c.tags.length ? [c.tags.join(", ")] : [])].join(" · ")),
          h("p", { class: "text" }, c.comment),
        ),
      ),
    ),
  );
}

/** Why a conversation that was over is back (`reopened` on queue items). */
const REOPENED = { email: "reopened by email", followup: "reopened: not solved" };

/** Where the follow-up question stands (`followup` of a conversation's details). */
const FOLLOW_UP = {
  scheduled: "to be asked later",
  due: "asked; no answer yet",
  yes: "confirmed solved",
  no: "not solved: reopened",
  cancelled: "not asked: the customer wrote back first",
};

/** @param {number} ts unix seconds */
const localTime = (ts) => new Date(ts * 1000).toLocaleString();

/**
 * The follow-up's row text: with when it is (or was) asked while it waits for an answer.
 * @param {Partial<import("../shared/protocol").ConversationInfo>} info
 * @param {(ts: number) => string} when
 */
function followUpText(info, when) {
  const status = info.followup || "";
  const due = info.followup_due;
  if (status === "scheduled" && due) return `follow-up due ${when(due)}`;
  if (status === "due" && due) return `asked ${when(due)}; no answer yet`;
  return FOLLOW_UP[/** @type {keyof typeof FOLLOW_UP} */ (status)] || status;
}

/**
 * What closing left: the resolution, the tags, the customer's rating and comment, and where the
 * follow-up question stands.
 * @param {Partial<import("../shared/protocol").ConversationInfo>} info
 * @param {(ts: number) => string} [when] how a time reads (the browser's local time)
 * @returns {[string, string][]}
 */
export function closingRows(info, when = localTime) {
  /** @type {[string, string][]} */
  const rows = [];
  if (info.resolution) rows.push(["Resolution", info.resolution]);
  if (info.tags && info.tags.length) rows.push(["Tags", info.tags.join(", ")]);
  if (info.csat) rows.push(["Rating", `${info.csat} / 5`]);
  if (info.csat_comment) rows.push(["Customer's comment", `“${info.csat_comment}”`]);
  if (info.followup) rows.push(["Follow-up", followUpText(info, when)]);
  return rows;
}

/**
 * An earlier conversation in the story: "24/11/2025, 14:05:00 · closed · triaged · Croatian (hr)".
 * @param {import("../shared/protocol").ConversationInfo} c
 */
export function historyLine(c) {
  const parts = [new Date(c.created_at * 1000).toLocaleString(), c.state];
  if (c.reason) parts.push(humanReason(c.reason));
  if (c.language) parts.push(languageLabel(c.language));
  return parts.join(" · ");
}

/**
 * @param {[string, string][]} rows
 * @param {string} className
 */
export function definitionList(rows, className) {
  return h("dl", { class: className }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** @param {import("../shared/protocol").Note} note */
export function noteItem(note) {
  return h(
    "li",
    { class: "note", dataset: { noteId: note.id } },
    h("span", { class: "who" }, note.agent.name),
    h("span", { class: "time" }, clock(note.ts)),
    h("p", { class: "text" }, note.text),
  );
}
