// Agent assist in the console, the pure part (docs/agent-assist.md): what a sent reply says
// about the suggestion it came from, the /shortcut completion over canned responses with one
// variant per language and placeholders, and the one-glance summary at the top of the brief.
// No DOM: conversation-view.js renders it, test/assist.test.js feeds it golden examples.

import { humanReason } from "../shared/format.js";

/** @typedef {import("../shared/protocol").Canned} Canned */
/** @typedef {import("../shared/protocol").Suggestion} Suggestion */
/** @typedef {import("../shared/transcript.js").Entry} Entry */

/**
 * What the agent did with the suggestions shown for one question, once the reply is sent: the
 * inserted one `used` (sent as it was, but for spacing) or `edited`, every other one `ignored`.
 * @param {Suggestion[]} shown
 * @param {{id: string, text: string}|null} inserted
 * @param {string} sent
 * @returns {{suggestion: Suggestion, outcome: "used"|"edited"|"ignored"}[]}
 */
export function outcomes(shown, inserted, sent) {
  const same = (/** @type {string} */ a, /** @type {string} */ b) => a.replace(/\s+/g, " ").trim() === b.replace(/\s+/g, " ").trim();
  return shown.map((suggestion) => ({
    suggestion,
    outcome: inserted && inserted.id === suggestion.id ? (same(inserted.text, sent) ? "used" : "edited") : "ignored",
  }));
}

// -- canned responses: /shortcut ---------------------------------------------------------------
/**
 * The `/word` being typed at the end of the reply box (the caret's word), or null.
 * @param {string} text
 */
export function typedShortcut(text) {
  const found = /(?:^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(text);
  return found ? found[1].toLowerCase() : null;
}

/**
 * One response per shortcut (canned responses without one stand for themselves, by id): the
 * variant in `language`, else English, else the first; those matching `query` (the shortcut's
 * start first, then a word of the title, tags or text), in the file's order.
 * @param {Canned[]} canned
 * @param {string} query
 * @param {string} language
 * @returns {(Canned & {key: string})[]}
 */
export function shortcutMatches(canned, query, language) {
  /** @type {Map<string, Canned[]>} */
  const groups = new Map();
  for (const response of canned) {
    const key = response.shortcut || response.id;
    groups.set(key, [...(groups.get(key) || []), response]);
  }
  const q = query.toLowerCase();
  const starts = [];
  const mentions = [];
  for (const [key, variants] of groups) {
    const chosen = variants.find((v) => v.language === language) || variants.find((v) => v.language === "en") || variants[0];
    const item = { ...chosen, key };
    if (key.startsWith(q)) starts.push(item);
    else if (q && `${chosen.title} ${chosen.tags.join(" ")} ${chosen.text}`.toLowerCase().includes(q)) mentions.push(item);
  }
  return [...starts, ...mentions];
}

/**
 * The reply box after picking a response for the `/word` being typed: the word replaced.
 * @param {string} current
 * @param {string} text the response, placeholders filled
 */
export function replaceShortcut(current, text) {
  return current.replace(/(^|\s)\/[\p{L}\p{N}_-]*$/u, (_m, space) => `${space}${text}`);
}

/**
 * Placeholders filled from the conversation: `{name}` (the contact's name; dropped with the
 * space before it when unknown, "Hi {name}," -> "Hi,"), `{order_number}` and any other triage
 * summary field by its name. Unknown ones stay, for the agent to see and fill.
 * @param {string} text
 * @param {Partial<import("../shared/protocol").ConversationInfo>} info
 */
export function fillPlaceholders(text, info) {
  /** @type {Record<string, unknown>} */
  const summary = info.summary || {};
  const name = (info.contact && info.contact.name) || (typeof summary.name === "string" ? summary.name : "");
  return text.replace(/( ?)\{([a-z_]+)\}/g, (whole, space, field) => {
    if (field === "name") return name ? `${space}${name}` : "";
    const value = summary[field];
    return typeof value === "string" || typeof value === "number" ? `${space}${value}` : whole;
  });
}

// -- the one-glance summary --------------------------------------------------------------------
const WANT_CHARS = 160;
const PERSON_REQUEST = "request_human"; // handoff/domain/inbox.py's PERSON_REQUEST

/**
 * The top of the brief in four lines, extractive (nothing is made up): why it came to a person,
 * what the customer wants (the triage description, else their latest question, shortened at a
 * word), what the bot already said (its last answer), and how long they have waited.
 * @param {Partial<import("../shared/protocol").ConversationInfo>} info
 * @param {Entry[]} entries
 * @param {number} now seconds
 * @returns {{why: string, wants: string, botSaid: string, waited: string}}
 */
export function glance(info, entries, now) {
  /** @type {Record<string, unknown>} */
  const summary = info.summary || {};
  // A request for a person says why it came here, not what they want (the bot's nlu names it).
  const requests = new Set(entries.filter((e) => e.nlu && e.nlu.intent === PERSON_REQUEST).map((e) => e.nlu && e.nlu.seq));
  const asked = entries.filter((e) => e.author === "customer" && e.text.trim() && !e.text.startsWith("/") && !requests.has(e.seq));
  // The bot's answers, not its "I'm bringing in a person": the turn that carries the handoff.
  // The service keeps the handoff payload to itself, so that turn is known by what follows it,
  // the system's "you're number 1 in line" (event queued) or its offline notice; an FAQ answer
  // before that notice stays an answer (the "Talk to a person" button hands off without a turn).
  const said = entries.filter((e, i) => e.author === "bot" && e.text.trim() && !handoffTurn(entries, i));
  const described = typeof summary.problem_description === "string" ? summary.problem_description : typeof summary.description === "string" ? summary.description : "";
  const category = typeof summary.problem_category === "string" ? summary.problem_category : typeof summary.category === "string" ? summary.category : "";
  const wants = described || (asked.length ? asked[asked.length - 1].text : "");
  const since = info.queued_at || info.created_at || 0;
  const until = info.claimed_at && info.state !== "queued" && info.state !== "offline" ? info.claimed_at : now;
  return {
    why: info.reason ? `${humanReason(info.reason)}${category ? ` · ${category}` : ""}` : "—",
    wants: wants ? shorten(wants, WANT_CHARS) : "—",
    botSaid: said.length ? shorten(said[said.length - 1].text, WANT_CHARS) : "Nothing yet.",
    waited: since ? `${waitedText(Math.max(0, until - since))}${until === now ? " so far" : " before a person took it"}` : "—",
  };
}

const HANDOFF_EVENTS = new Set(["queued", "offline"]);

/**
 * Is the bot's entry at `index` part of the turn that handed the customer over (the bot's
 * entries up to a system entry saying they are queued or offline)?
 * @param {Entry[]} entries oldest first
 * @param {number} index
 */
function handoffTurn(entries, index) {
  const nlu = entries[index].nlu;
  if (nlu && nlu.intent.startsWith("faq/")) return false;
  let next = index + 1;
  while (next < entries.length && entries[next].author === "bot") next += 1;
  const after = entries[next];
  return Boolean(after && after.author === "system" && after.event && HANDOFF_EVENTS.has(after.event));
}

/** @param {number} seconds */
export function waitedText(seconds) {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/**
 * @param {string} text
 * @param {number} max
 */
function shorten(text, max) {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
