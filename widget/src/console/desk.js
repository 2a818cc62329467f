// The agent console's state, applied from the /agent namespace's acks and events
// (docs/protocol.md). Pure: the view renders it, the node tests feed it golden examples.

import { speaksLanguage } from "../shared/languages.js";
import { Transcript } from "../shared/transcript.js";

/** @typedef {import("../shared/protocol").ConversationInfo} ConversationInfo */
/** @typedef {import("../shared/protocol").QueueItem} QueueItem */
/** @typedef {import("../shared/protocol").Note} Note */
/** @typedef {import("../shared/transcript.js").Entry} Entry */

/**
 * @typedef {object} ConversationView
 * @property {string} id
 * @property {ConversationInfo|null} info
 * @property {Transcript} transcript
 * @property {Map<string, Note>} notes  by note id
 * @property {Map<number, {intent: string, confidence: number|null}>} nlu  customer seq -> what the bot understood
 * @property {boolean} customerTyping
 * @property {number} unread
 * @property {ConversationInfo[]|null} history   the customer's conversations (get_history)
 * @property {boolean} loaded          a full get_conversation / claim / watch answer applied
 * @property {Map<string, import("../shared/protocol").EmailInfo>} emails  to the customer, by id
 * @property {import("../shared/protocol").Suggestions|null} suggestions  the latest suggested replies
 * @property {{id: string, text: string}|null} inserted  the suggestion put in the reply box, if any
 */

export class Desk {
  constructor() {
    /** @type {import("../shared/protocol").AgentInfo|null} */
    this.agent = null;
    /** @type {Map<string, QueueItem>} */ this.queue = new Map();
    /** @type {Map<string, QueueItem>} */ this.tickets = new Map();
    /** @type {Set<string>} conversations this agent owns */ this.mine = new Set();
    /** @type {Map<string, ConversationView>} */ this.conversations = new Map();
    /** @type {import("../shared/protocol").Canned[]} */
    this.canned = [];
    /** @type {import("../shared/protocol").DeskStats|null} */
    this.stats = null;
    /** @type {import("../shared/protocol").SummaryLabels|null} how to show a triage summary */
    this.summaryLabels = null;
    /** @type {string|null} */
    this.selected = null;
    /** @type {string} the queue's language filter: a code, or "" for all languages */
    this.languageFilter = "";
  }

  // -- queue and tickets -----------------------------------------------------------------------
  /**
   * `hello` ack: who I am, what I own, the queue and tickets (replacing what we had).
   * @param {import("../shared/protocol").HelloAck} ack
   */
  applyHello(ack) {
    this.agent = ack.agent;
    if (ack.summary_labels) this.summaryLabels = ack.summary_labels;
    this.mine = new Set(ack.active.map((c) => c.conversation_id));
    for (const info of ack.active) this.conversation(info.conversation_id).info = info;
    this.applyQueue(ack);
  }

  /**
   * `get_queue` ack (or the queue part of `hello`).
   * @param {{queue: QueueItem[], tickets: QueueItem[]}} ack
   */
  applyQueue(ack) {
    this.queue = new Map(ack.queue.map((i) => [i.conversation_id, i]));
    this.tickets = new Map(ack.tickets.map((i) => [i.conversation_id, i]));
  }

  /**
   * `queue_added`: a new queue entry or ticket, or an update of one (replace by id).
   * @param {QueueItem} item
   */
  queueAdded(item) {
    if (item.state === "offline") {
      this.queue.delete(item.conversation_id);
      this.tickets.set(item.conversation_id, { ...this.tickets.get(item.conversation_id), ...item });
    } else {
      this.tickets.delete(item.conversation_id);
      this.queue.set(item.conversation_id, { ...this.queue.get(item.conversation_id), ...item });
    }
  }

  /**
   * `queue_removed`
   * @param {{conversation_id: string, state: string, by?: import("../shared/protocol").AgentRef}} payload
   */
  queueRemoved(payload) {
    this.queue.delete(payload.conversation_id);
    this.tickets.delete(payload.conversation_id);
    const conv = this.conversations.get(payload.conversation_id);
    if (conv && conv.info) {
      const state = /** @type {import("../shared/protocol").StateName} */ (payload.state);
      conv.info = { ...conv.info, state, owner: payload.by || conv.info.owner };
    }
  }

  /** Queue items, longest waiting first. */
  queueList() {
    return [...this.queue.values()].sort((a, b) => a.queued_at - b.queued_at);
  }

  /** The queue as the agent filtered it (by language), longest waiting first. */
  filteredQueue() {
    const wanted = this.languageFilter;
    const all = this.queueList();
    return wanted ? all.filter((item) => (item.language || "").toLowerCase() === wanted) : all;
  }

  /**
   * The languages to filter the queue by: those of the queued conversations, and the one the
   * filter is set to even when nobody waits in it any more (so the choice stays visible).
   * @returns {string[]} codes, sorted
   */
  queueLanguages() {
    const codes = new Set([...this.queue.values()].map((item) => (item.language || "").toLowerCase()).filter(Boolean));
    if (this.languageFilter) codes.add(this.languageFilter);
    return [...codes].sort();
  }

  /**
   * Filter the queue by a language ("" or null: all of them).
   * @param {string|null|undefined} code
   */
  setLanguageFilter(code) {
    this.languageFilter = typeof code === "string" ? code.trim().toLowerCase() : "";
  }

  /**
   * Does the signed-in agent speak the item's language (related languages count as one)?
   * @param {{language?: string}} item
   */
  speaks(item) {
    return Boolean(this.agent && item.language && speaksLanguage(this.agent.languages, item.language));
  }

  ticketList() {
    return [...this.tickets.values()].sort((a, b) => a.queued_at - b.queued_at);
  }

  /**
   * May I claim this item now? Routing's rule (handoff/domain/routing.py), computed here because
   * it changes with time (and `queue_added` items carry no `eligible`). Tickets: anyone. Related
   * languages count as one, as routing treats the groups of contract/languages.yml.
   * @param {QueueItem} item
   * @param {number} now Unix seconds
   */
  eligible(item, now) {
    if (item.state === "offline" || now >= item.exclusive_until) return true;
    if (!this.agent) return false;
    if (item.language && !speaksLanguage(this.agent.languages, item.language)) return false;
    return !item.skill || this.agent.skills.includes(item.skill);
  }

  // -- conversations ---------------------------------------------------------------------------
  /**
   * @param {string} id
   * @returns {ConversationView}
   */
  conversation(id) {
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = {
        id,
        info: null,
        transcript: new Transcript(id),
        notes: new Map(),
        nlu: new Map(),
        customerTyping: false,
        unread: 0,
        history: null,
        loaded: false,
        emails: new Map(),
        suggestions: null,
        inserted: null,
      };
      this.conversations.set(id, conv);
    }
    return conv;
  }

  /**
   * `get_conversation` / `watch` / `claim` acks and `conversation_assigned`: merge everything.
   * @param {import("../shared/protocol").ConversationDetail} detail
   */
  applyDetail(detail) {
    const conv = this.conversation(detail.conversation.conversation_id);
    conv.info = detail.conversation;
    const fresh = this.#addEntries(conv, detail.messages);
    for (const note of detail.notes || []) conv.notes.set(note.id, note);
    for (const email of detail.emails || []) this.applyEmail(conv.id, email);
    conv.loaded = true;
    return { conv, fresh };
  }

  /**
   * `conversation_message`: true if the entry was new.
   * @param {string} conversationId
   * @param {Entry} entry
   */
  applyMessage(conversationId, entry) {
    const conv = this.conversation(conversationId);
    const fresh = this.#addEntries(conv, [entry]);
    if (fresh.length && conversationId !== this.selected && entry.author === "customer") conv.unread += 1;
    if (entry.author === "customer") conv.customerTyping = false;
    if (conv.info && entry.seq > conv.info.last_seq) conv.info = { ...conv.info, last_seq: entry.seq };
    return fresh.length > 0;
  }

  /**
   * `conversation_note` or the `add_note` ack.
   * @param {string} conversationId
   * @param {Note} note
   */
  applyNote(conversationId, note) {
    this.conversation(conversationId).notes.set(note.id, note);
  }

  /**
   * `email_status` or the `send_transcript` ack: an email's latest state (a late, older update
   * of the same email never replaces a newer one).
   * @param {string} conversationId
   * @param {import("../shared/protocol").EmailInfo} email
   */
  applyEmail(conversationId, email) {
    const emails = this.conversation(conversationId).emails;
    const known = emails.get(email.id);
    if (!known || known.updated_at <= email.updated_at) emails.set(email.id, email);
  }

  /**
   * `conversation_assigned`: it is mine now (a claim in another tab, or a transfer to me).
   * @param {import("../shared/protocol").ConversationDetail} detail
   */
  assigned(detail) {
    this.mine.add(detail.conversation.conversation_id);
    return this.applyDetail(detail);
  }

  /**
   * `conversation_unassigned`: no longer mine.
   * @param {{conversation_id: string, reason: string}} payload
   */
  unassigned(payload) {
    this.mine.delete(payload.conversation_id);
    const conv = this.conversations.get(payload.conversation_id);
    if (conv && conv.info) {
      /** @type {Record<string, import("../shared/protocol").StateName>} */
      const states = { closed: "closed", erased: "closed", handed_back: "bot", transferred: "agent", requeued: "queued" };
      const state = states[payload.reason];
      conv.info = { ...conv.info, state: state || conv.info.state };
    }
  }

  /**
   * `conversation_updated`: the details replace what we had (the transcript stays).
   * @param {ConversationInfo} info
   */
  updated(info) {
    const conv = this.conversation(info.conversation_id);
    conv.info = info;
  }

  /** The conversations I own, the selected one included, newest activity first. */
  mineList() {
    return [...this.mine].map((id) => this.conversation(id));
  }

  /**
   * `suggestions` (or `get_suggestions`' ack): the newest question's replace older ones.
   * @param {import("../shared/protocol").Suggestions} payload
   * @returns {boolean} whether they are new
   */
  applySuggestions(payload) {
    const conv = this.conversation(payload.conversation_id);
    if (conv.suggestions && conv.suggestions.for_seq > payload.for_seq) return false;
    if (!conv.suggestions || conv.suggestions.for_seq !== payload.for_seq) conv.inserted = null;
    conv.suggestions = { conversation_id: payload.conversation_id, for_seq: payload.for_seq, language: payload.language, suggestions: payload.suggestions };
    return true;
  }

  /** @param {string|null} id */
  select(id) {
    this.selected = id;
    if (id) this.conversation(id).unread = 0;
  }

  /**
   * @param {ConversationView} conv
   * @param {Entry[]|undefined} entries
   */
  #addEntries(conv, entries) {
    const fresh = conv.transcript.applyMany(entries || []);
    for (const entry of fresh) {
      if (entry.nlu && Number.isInteger(entry.nlu.seq)) {
        conv.nlu.set(entry.nlu.seq, { intent: entry.nlu.intent, confidence: entry.nlu.confidence });
      }
    }
    return fresh;
  }
}

/**
 * The browser tab's title: "(2) • Tandem console" with two waiting and unread messages. It
 * counts everyone waiting, whatever the queue's language filter hides.
 * @param {Desk} desk
 */
export function pageTitle(desk) {
  const queued = desk.queue.size;
  const unread = desk.mineList().some((c) => c.unread > 0);
  return `${queued ? `(${queued}) ` : ""}${unread ? "• " : ""}Tandem console`;
}

/**
 * How long it has waited against the target: "ok" (under half), "warn" (half to target),
 * "late" (past the target).
 * @param {number} waitedSeconds
 * @param {number} targetSeconds
 */
export function waitLevel(waitedSeconds, targetSeconds) {
  const target = targetSeconds > 0 ? targetSeconds : 120;
  if (waitedSeconds >= target) return "late";
  if (waitedSeconds >= target / 2) return "warn";
  return "ok";
}

/**
 * Triage summary as label/value rows, in the words of the service's `summary_labels`
 * (contract/triage_labels.yml): "Problem: Order not arrived", "Ordered: Ordered 10 days ago".
 * A key or value it has no words for reads as before ("order_number" -> "Order number").
 * @param {Record<string, unknown>|null|undefined} summary
 * @param {import("../shared/protocol").SummaryLabels|null} [labels]
 * @returns {[string, string][]}
 */
export function summaryRows(summary, labels = null) {
  const fields = (labels && labels.fields) || {};
  return Object.entries(summary || {})
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([key, value]) => {
      const raw = typeof value === "object" ? JSON.stringify(value) : String(value);
      const field = Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : null;
      if (!field) return /** @type {[string, string]} */ ([key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()), raw]);
      const known = field.values && Object.prototype.hasOwnProperty.call(field.values, raw) ? field.values[raw] : null;
      const text = known || (field.text ? field.text.replace("{value}", raw) : raw);
      return /** @type {[string, string]} */ ([field.label, text]);
    });
}

/** @type {Record<string, string>} where a suggestion came from, in the agents' words */
export const SOURCE_NAMES = { faq: "bot's FAQ answer", past: "past reply", canned: "canned" };

/**
 * The stats panel's rows from a `get_stats` ack's `stats`.
 * @param {import("../shared/protocol").DeskStats|null} stats
 * @param {(seconds: number) => string} describe
 * @returns {[string, string][]}
 */
export function statsRows(stats, describe) {
  if (!stats) return [];
  const seconds = (/** @type {number|null|undefined} */ v) => (v === null || v === undefined ? "—" : describe(v));
  const reasons = Object.entries(stats.handoffs_by_reason || {})
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ${count}`)
    .join(", ");
  return [
    ["Conversations today", String(stats.conversations_today)],
    ["Handoffs by reason", reasons || "none yet"],
    ["Median wait", seconds(stats.median_wait_s)],
    ["Median first response", seconds(stats.median_first_response_s)],
    [
      "CSAT average",
      stats.csat_average === null ? "—" : `${stats.csat_average.toFixed(1)} / 5 (${stats.csat_count})`,
    ],
    ["Resolution confirmed", confirmedText(stats)],
    ["Waiting now", `${stats.queue_length} queued, ${stats.tickets} tickets`],
    ["Agents online", String(stats.agents_online)],
    ...Object.entries(stats.assist || {}).map(
      ([source, f]) => /** @type {[string, string]} */ ([`Suggestions · ${SOURCE_NAMES[source] || source}`, `${f.used} used, ${f.edited} edited, ${f.ignored} ignored`]),
    ),
    ...Object.entries(stats.csat_by_tag || {})
      .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
      .slice(0, 8)
      .map(([tag, figure]) => /** @type {[string, string]} */ ([`CSAT · ${tag}`, `${figure.average.toFixed(1)} / 5 (${figure.count})`])),
  ];
}

/**
 * Today's answers to "Was your problem solved?": "75% (3 of 4)", or "—" before the first.
 * @param {import("../shared/protocol").DeskStats} stats
 */
export function confirmedText(stats) {
  const yes = stats.followup_yes || 0;
  const answered = yes + (stats.followup_no || 0);
  const rate = stats.resolution_confirmed_rate;
  if (!answered || rate === null || rate === undefined) return "—";
  return `${Math.round(rate * 100)}% (${yes} of ${answered})`;
}

/**
 * Whether the close dialog's "ask later" starts ticked: as the service's own default, for a
 * conversation answered by email (a ticket with a contact email, or a reply by email in it).
 * @param {Partial<import("../shared/protocol").ConversationInfo>} info
 * @param {{channel?: string}[]} entries
 */
export function followUpByDefault(info, entries) {
  return Boolean(info.contact && info.contact.email) || entries.some((e) => e.channel === "email");
}

// What the service accepts on `close` (MAX_TAGS, MAX_TAG_CHARS in handoff/protocol/agent.py;
// test/desk.test.js reads them there and fails when they differ).
export const MAX_TAGS = 10;
export const MAX_TAG_CHARS = 32;

/**
 * Tags typed as "billing, Refund  late" -> ["billing", "refund", "late"]: all of them, so that
 * `tagProblem` can refuse too many rather than drop some silently.
 * @param {string} text
 */
export function parseTags(text) {
  /** @type {string[]} */
  const tags = [];
  for (const raw of String(text || "").split(/[,\s]+/)) {
    const tag = raw.trim().toLowerCase();
    if (tag && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

/**
 * Why the service would refuse these tags ("" when it would not), said so the agent can fix them.
 * @param {string[]} tags from parseTags
 */
export function tagProblem(tags) {
  if (tags.length > MAX_TAGS) {
    const extra = tags.length - MAX_TAGS;
    return `At most ${MAX_TAGS} tags: you gave ${tags.length}. Remove ${extra} to close.`;
  }
  const long = tags.find((t) => t.length > MAX_TAG_CHARS);
  if (long) return `A tag is at most ${MAX_TAG_CHARS} characters: "${long.slice(0, 40)}${long.length > 40 ? "…" : ""}" has ${long.length}.`;
  return "";
}
