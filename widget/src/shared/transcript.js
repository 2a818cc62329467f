// A conversation's transcript as a client keeps it (docs/protocol.md, "Keeping a transcript"):
// entries by seq, duplicates ignored (replays overlap live delivery), gaps visible so the
// caller can ask the server for what is missing. Pure: no DOM, no sockets.

/**
 * @typedef {{seq: number, author: "customer"|"bot"|"agent"|"system", text: string, ts: number,
 *   agent_name?: string, agent_id?: string, buttons?: {title: string, payload: string}[],
 *   image?: string, attachment?: object, custom?: object, event?: string,
 *   client_msg_id?: string, nlu?: {seq: number, intent: string, confidence: number|null},
 *   channel?: "email"}} Entry
 *   `channel`: how a customer message came in when not by the chat (a reply by email)
 */

export class Transcript {
  /** @param {string|null} conversationId */
  constructor(conversationId = null) {
    /** @type {string|null} */
    this.conversationId = conversationId;
    /** @type {Map<number, Entry>} */
    this.entries = new Map();
    this.contiguous = 0; // every seq from 1 to here is present
    this.highest = 0;
  }

  /**
   * Forget everything: a new conversation (its seqs start again at 1).
   * @param {string|null} [conversationId]
   */
  reset(conversationId = null) {
    this.conversationId = conversationId;
    this.entries.clear();
    this.contiguous = 0;
    this.highest = 0;
  }

  /**
   * Apply one entry; true if it was new.
   * @param {Entry} entry
   */
  apply(entry) {
    if (!entry || !Number.isInteger(entry.seq) || entry.seq < 1) return false;
    if (this.entries.has(entry.seq)) return false;
    this.entries.set(entry.seq, entry);
    this.highest = Math.max(this.highest, entry.seq);
    while (this.entries.has(this.contiguous + 1)) this.contiguous += 1;
    return true;
  }

  /**
   * Apply several entries; returns the new ones, oldest first.
   * @param {Entry[]} entries
   */
  applyMany(entries) {
    return (entries || []).filter((e) => this.apply(e)).sort((a, b) => a.seq - b.seq);
  }

  /** True when some seq below the highest is missing (ask `tandem_sync` / `get_conversation`). */
  hasGap() {
    return this.highest > this.contiguous;
  }

  /** @returns {Entry[]} oldest first */
  list() {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }

  /** @param {number} seq */
  get(seq) {
    return this.entries.get(seq);
  }

  /** The newest entry, or undefined. */
  last() {
    return this.entries.get(this.highest);
  }

  /** @param {string} cmid */
  hasClientMessage(cmid) {
    for (const entry of this.entries.values()) if (entry.client_msg_id === cmid) return true;
    return false;
  }
}

/**
 * A `bot_uttered` payload (Rasa's shape + metadata.tandem) as a transcript entry.
 * Returns null for a payload without Tandem metadata (it cannot be placed in order).
 * @param {any} payload
 * @returns {Entry|null}
 */
export function entryFromBotUttered(payload) {
  const meta = payload && payload.metadata && payload.metadata.tandem;
  if (!meta || !Number.isInteger(meta.seq)) return null;
  /** @type {Entry} */
  const entry = { seq: meta.seq, author: meta.author || "bot", text: payload.text || "", ts: meta.ts || 0 };
  if (meta.agent_name) entry.agent_name = meta.agent_name;
  if (meta.event) entry.event = meta.event;
  const replies = payload.quick_replies || payload.buttons;
  if (Array.isArray(replies) && replies.length) {
    entry.buttons = replies
      .filter((/** @type {any} */ b) => b && typeof b.title === "string" && typeof b.payload === "string")
      .map((/** @type {{title: string, payload: string}} */ b) => ({ title: b.title, payload: b.payload }));
  }
  const attachment = payload.attachment;
  if (attachment && attachment.type === "image" && attachment.payload && attachment.payload.src) {
    entry.image = attachment.payload.src;
  } else if (attachment) {
    entry.attachment = attachment;
  }
  if (payload.custom) entry.custom = payload.custom;
  return entry;
}

/**
 * What to show for an entry's text. A customer message that is a button payload (e.g.
 * "/request_human", sent by clicking a quick reply) shows the button's title instead.
 * @param {Entry} entry
 * @param {Transcript} transcript
 */
export function displayText(entry, transcript) {
  if (entry.author !== "customer" || !entry.text.startsWith("/")) return entry.text;
  for (let seq = entry.seq - 1; seq >= 1 && seq >= entry.seq - 20; seq -= 1) {
    const earlier = transcript.get(seq);
    if (!earlier || !earlier.buttons) continue;
    const button = earlier.buttons.find((b) => b.payload === entry.text);
    if (button) return button.title;
  }
  return entry.text;
}

/**
 * Only http(s) and same-page relative URLs are ever put into an <img src>.
 * @param {unknown} url
 * @returns {string|null}
 */
export function safeImageUrl(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url, "http://relative.invalid/");
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return url;
  } catch {
    return null;
  }
  return null;
}
