// The console's logic, between the /agent transport and the screen: login and logout, the desk
// kept current from events and acks (state in desk.js), claiming, replies through the shared
// outbox, typing, hand-back/transfer/close, stats and timers, and catching up after a dropped
// connection. No DOM here: it tells a view what changed (view.js renders), so the node tests
// drive it with a fake transport and a recording view, as they do widget/chat.js.
//
//   const controller = new ConsoleController({ view, login: (u, p) => login(origin, u, p),
//     connect: ({ token, handlers }) => agentTransport({ url: origin, token, handlers }),
//     tokenStorage: sessionStorage, prefsStorage: localStorage, defaultWaitTarget: 120 });
//   controller.start(); // the login form, or the desk with a saved token

import { Backoff } from "../shared/backoff.js";
import { newClientMsgId } from "../shared/ids.js";
import { Outbox } from "../shared/outbox.js";
import { Timers } from "../shared/timers.js";
import { TransportError } from "../shared/transport.js";
import { TYPING_SHOWN_MAX_MS, TypingSender } from "../shared/typing.js";
import { alertFor } from "./alerts.js";
import { fillPlaceholders, outcomes } from "./assist.js";
import { Desk, parseTags, tagProblem } from "./desk.js";

const TOKEN_KEY = "tandem-console:token";
const TARGET_KEY = "tandem-console:wait-target";
const FILTER_KEY = "tandem-console:queue-language"; // this tab's session, like the token
const STATS_EVERY_MS = 30000;
const STATS_SOON_MS = 1000; // many queue events at once ask for the stats once
const TICK_MS = 1000;

/**
 * What the controller asks of a view (view.js; a recorder in the tests). The view reads what it
 * shows from the controller (`desk`, `waitTarget`, `pendingFor`, …) and calls its actions.
 * @typedef {object} ConsoleViewLike
 * @property {(message: string) => void} showLogin
 * @property {() => void} showDesk
 * @property {(connected: boolean) => void} setConnected
 * @property {(agent: import("../shared/protocol").AgentInfo) => void} setAgent
 * @property {() => void} renderLists       queue, tickets, my conversations, the page title
 * @property {(now: number) => void} tick   running wait times (Unix seconds)
 * @property {() => void} renderStats
 * @property {() => void} renderConversation  the whole pane of the selected conversation
 * @property {(entries: import("../shared/transcript.js").Entry[]) => void} appendEntries
 * @property {() => void} renderNotes
 * @property {() => void} renderEmails     the emails to the customer and their status
 * @property {() => void} renderTyping
 * @property {() => void} renderComposer
 * @property {() => void} renderPending
 * @property {() => void} renderStory
 * @property {() => void} renderSuggestions
 * @property {() => void} closeDialog
 * @property {() => void} focusReply
 * @property {(text: string) => void} announce
 */

/**
 * The transport as the controller uses it (shared/transport.js's Transport, or a fake).
 * @typedef {{connected: boolean, request(event: string, payload?: any): Promise<any>,
 *   emit(event: string, payload: any): void, disconnect(): void}} AgentTransportLike
 */

/** @typedef {{getItem(k: string): string|null, setItem(k: string, v: string): void, removeItem(k: string): void}} StorageLike */

/**
 * @typedef {object} ControllerOptions
 * @property {ConsoleViewLike} view
 * @property {(username: string, password: string) => Promise<{token: string, expires_at: number}>} login
 * @property {(o: {token: string, handlers: import("../shared/transport.js").Handlers}) => AgentTransportLike} connect
 * @property {StorageLike|null} [tokenStorage]  this tab only (sessionStorage): the token, the queue's language filter
 * @property {StorageLike|null} [prefsStorage]  this browser (localStorage): the wait target
 * @property {number} [defaultWaitTarget]       seconds
 * @property {() => number} [now]               milliseconds
 * @property {import("../shared/timers.js").Schedule} [schedule]
 * @property {import("../shared/timers.js").Cancel} [cancel]
 * @property {() => number} [random]   the retry backoff's jitter (tests)
 * @property {AlertsLike|null} [alerts]  desktop notifications and sound (alerts.js)
 */

/**
 * What the controller asks of the alerts (alerts.js's Alerts, or a recorder in the tests).
 * @typedef {{raise(alert: import("./alerts.js").Alert, onClick?: () => void): void}} AlertsLike
 */

export class ConsoleController {
  /** @param {ControllerOptions} options */
  constructor({ view, login, connect, tokenStorage = null, prefsStorage = null, defaultWaitTarget = 120, now, schedule, cancel, random, alerts = null }) {
    this.view = view;
    this.alerts = alerts;
    this.loginFn = login;
    this.connectFn = connect;
    this.tokenStorage = tokenStorage;
    this.prefsStorage = prefsStorage;
    this.now = now || (() => Date.now());
    this.timers = new Timers(schedule, cancel);
    this.waitTarget = Number(this.#read(prefsStorage, TARGET_KEY)) || defaultWaitTarget;
    this.desk = new Desk();
    this.desk.setLanguageFilter(this.#read(tokenStorage, FILTER_KEY));
    /** @type {AgentTransportLike|null} */
    this.transport = null;
    /** @type {Map<string, string>} unsent replies by conversation */
    this.drafts = new Map();
    this.lastTick = 0;
    this.outbox = new Outbox({
      prefix: "a",
      send: (item) =>
        this.#request("send_message", { conversation_id: item.conversation_id, text: item.text, client_msg_id: item.cmid }),
      canSend: () => Boolean(this.transport && this.transport.connected),
      onSent: (item, ack) => this.#sent(item, ack),
      // Refused for good: the reply stays on screen as failed, to edit or delete.
      onRefused: (_item, error) => this.view.announce(`Not sent: ${error.message}`),
      onChange: () => this.view.renderPending(),
      schedule,
      cancel,
      random,
    });
    this.helloBackoff = new Backoff(random);
    /** @type {TypingSender<string>} */
    this.typingSender = new TypingSender({
      emit: (typing, conversationId) => {
        if (this.transport) this.transport.emit("typing", { conversation_id: conversationId, typing });
      },
      now: this.now,
      schedule,
      cancel,
    });
  }

  start() {
    const saved = this.#savedToken();
    if (saved) this.#connect(saved.token);
    else this.view.showLogin("");
  }

  // -- login / logout --------------------------------------------------------------------------
  /**
   * The login form's submit: null when logged in, else what to tell the agent.
   * @param {string} username
   * @param {string} password
   * @returns {Promise<string|null>}
   */
  async login(username, password) {
    try {
      const answer = await this.loginFn(username, password);
      this.#write(this.tokenStorage, TOKEN_KEY, JSON.stringify({ token: answer.token, expires_at: answer.expires_at }));
      this.#connect(answer.token);
      return null;
    } catch (error) {
      return errorMessage(error);
    }
  }

  /** Back to the login form (with a reason); forgets the token, the desk and unsent replies. */
  logout(message = "") {
    try {
      if (this.tokenStorage) {
        this.tokenStorage.removeItem(TOKEN_KEY);
        this.tokenStorage.removeItem(FILTER_KEY);
      }
    } catch {
      // blocked storage: nothing was kept
    }
    this.typingSender.stop();
    if (this.transport) this.transport.disconnect();
    this.transport = null;
    this.timers.clearAll();
    this.outbox.clear();
    this.drafts.clear();
    this.desk = new Desk();
    this.view.showLogin(message);
  }

  /** The token while logged in, else "" (the workbench's HTTP calls go with it). */
  token() {
    const saved = this.#savedToken();
    return saved ? saved.token : "";
  }

  #savedToken() {
    try {
      const saved = JSON.parse(this.#read(this.tokenStorage, TOKEN_KEY) || "null");
      return saved && typeof saved.token === "string" && saved.expires_at * 1000 > this.now() ? saved : null;
    } catch {
      return null;
    }
  }

  /** @param {string} token */
  #connect(token) {
    this.view.showDesk();
    this.transport = this.connectFn({
      token,
      handlers: {
        connect: () => this.onConnect(),
        disconnect: () => this.view.setConnected(false),
        unauthorized: () => this.logout("Your session has ended. Please log in again."),
        session_ended: (p) => this.logout(`You were logged out (${p && p.reason}).`),
        queue_added: (p) => this.onQueueAdded(p),
        queue_removed: (p) => this.onQueueRemoved(p),
        conversation_message: (p) => this.onMessage(p.conversation_id, p.entry),
        conversation_note: (p) => this.onNote(p),
        conversation_assigned: (p) => this.onAssigned(p),
        conversation_unassigned: (p) => this.onUnassigned(p),
        conversation_updated: (p) => this.onUpdated(p),
        customer_typing: (p) => this.onCustomerTyping(p),
        email_status: (p) => this.onEmailStatus(p),
        queue_alert: (p) => this.onQueueAlert(p),
        suggestions: (p) => this.onSuggestions(p),
      },
    });
    this.lastTick = 0;
    this.#every("tick", () => this.#tick(), TICK_MS);
  }

  // -- the desk, from the service --------------------------------------------------------------
  /** Connected (first time or again): the desk afresh, and everything missed while away. */
  async onConnect() {
    const desk = this.desk;
    let hello;
    try {
      hello = await this.#request("hello", {});
    } catch (error) {
      this.view.announce(`Could not load the desk: ${errorMessage(error)}`);
      // Redis down, say: ask again while the socket stays up (a reconnect asks anyway).
      if (desk === this.desk && this.transport && this.transport.connected) {
        this.timers.later("hello", () => this.transport && this.transport.connected && this.onConnect(), this.helloBackoff.next());
      }
      return;
    }
    this.timers.clear("hello");
    this.helloBackoff.reset();
    if (desk !== this.desk) return; // logged out meanwhile
    // Connected means the desk works: until hello answers, the header says "Reconnecting…".
    this.view.setConnected(true);
    desk.applyHello(hello);
    this.view.setAgent(hello.agent);
    this.view.renderLists();
    if (!desk.canned.length) {
      this.#request("get_canned", {}).then((ack) => {
        desk.canned = ack.canned;
        if (desk.selected) this.view.renderComposer();
      }, ignore);
    }
    // Each open conversation from its last contiguous seq (a watched one is watched again).
    for (const conv of desk.conversations.values()) {
      if (!conv.loaded) continue;
      const watching = conv.id === desk.selected && !desk.mine.has(conv.id);
      const request = watching
        ? this.#request("watch", { conversation_id: conv.id })
        : this.#request("get_conversation", { conversation_id: conv.id, after_seq: conv.transcript.contiguous });
      request.then((detail) => this.#applyDetail(detail), ignore);
    }
    if (!desk.selected && desk.mine.size) this.select([...desk.mine][0]);
    else if (desk.selected) this.view.renderConversation();
    this.refreshStats();
    this.#every("stats", () => this.refreshStats(), STATS_EVERY_MS);
    this.outbox.flush();
  }

  /** @param {{item: import("../shared/protocol").QueueItem}} payload */
  onQueueAdded(payload) {
    this.desk.queueAdded(payload.item);
    this.view.renderLists();
    this.#statsSoon();
    if (payload.item.state === "queued") this.#alert(alertFor("queued", { item: payload.item }), payload.item.conversation_id);
  }

  /**
   * `queue_alert`: someone waited past the wait limit and I could take them; they are offered
   * the offline form soon unless someone claims them.
   * @param {import("../shared/protocol").QueueAlert} payload
   */
  onQueueAlert(payload) {
    const alert = alertFor("waiting", { item: payload.item, waitedS: payload.waited_s, offlineInS: payload.offline_in_s });
    this.view.announce(`${alert.title}. ${alert.body}`);
    this.#alert(alert, payload.item.conversation_id);
  }

  /** @param {{conversation_id: string, state: string, by?: {id: string, name: string}}} payload */
  onQueueRemoved(payload) {
    this.desk.queueRemoved(payload);
    this.view.renderLists();
    this.#statsSoon();
    if (payload.conversation_id === this.desk.selected) this.view.renderConversation();
  }

  /**
   * A transcript entry (live, or our own acknowledged reply); a gap is filled from the service.
   * @param {string} conversationId
   * @param {import("../shared/transcript.js").Entry} entry
   */
  onMessage(conversationId, entry) {
    const desk = this.desk;
    const conv = desk.conversation(conversationId);
    if (!desk.applyMessage(conversationId, entry)) return;
    if (entry.author === "customer") this.timers.clear(`typing:${conversationId}`);
    if (entry.author === "customer" && desk.mine.has(conversationId)) {
      // The one open on screen needs no alert while the agent is looking at it.
      const alert = alertFor("message", { info: conv.info, text: entry.text });
      this.#alert({ ...alert, onlyIfAway: conversationId === desk.selected }, conversationId);
    }
    if (conversationId === desk.selected) {
      this.view.appendEntries([entry]);
      this.view.renderTyping();
      // The glance at the top of the brief says what they want and what the bot said last.
      if (entry.author === "customer" || entry.author === "bot") this.view.renderStory();
    }
    if (conv.transcript.hasGap()) {
      this.#request("get_conversation", { conversation_id: conversationId, after_seq: conv.transcript.contiguous }).then(
        (detail) => this.#applyDetail(detail),
        ignore,
      );
    }
    this.view.renderLists();
  }

  /**
   * Suggested replies for a conversation I own (pushed after a customer's question or a claim).
   * @param {import("../shared/protocol").Suggestions} payload
   */
  onSuggestions(payload) {
    if (this.desk.applySuggestions(payload) && payload.conversation_id === this.desk.selected) this.view.renderSuggestions();
  }

  /**
   * A suggestion put in the reply box for editing (nothing is sent); returns the new draft.
   * @param {string} conversationId
   * @param {string} suggestionId
   * @param {string} current the reply box's text
   */
  insertSuggestion(conversationId, suggestionId, current) {
    const conv = this.desk.conversation(conversationId);
    const chosen = conv.suggestions && conv.suggestions.suggestions.find((s) => s.id === suggestionId);
    if (!chosen) return current;
    const text = current.trim() ? `${current} ${chosen.text}` : chosen.text;
    conv.inserted = { id: chosen.id, text };
    this.drafts.set(conversationId, text);
    return text;
  }

  /**
   * The reply went out: what was done with each suggestion shown for this question, told once.
   * @param {string} conversationId
   * @param {string} sent
   */
  #reportSuggestions(conversationId, sent) {
    const conv = this.desk.conversation(conversationId);
    const shown = conv.suggestions;
    if (!shown || !shown.suggestions.length) return;
    const told = outcomes(shown.suggestions, conv.inserted, sent).map(({ suggestion, outcome }) => ({ suggestion_id: suggestion.id, source: suggestion.source, outcome }));
    // Counted: Today's suggestion rows show it soon.
    this.#request("suggestion_feedback", { conversation_id: conversationId, outcomes: told }).then(() => this.#statsSoon(), ignore);
    conv.suggestions = { ...shown, suggestions: [] }; // answered: the panel empties until the next question
    conv.inserted = null;
    if (conversationId === this.desk.selected) this.view.renderSuggestions();
  }

  /** @param {{conversation_id: string, note: import("../shared/protocol").Note}} payload */
  onNote(payload) {
    this.desk.applyNote(payload.conversation_id, payload.note);
    if (payload.conversation_id === this.desk.selected) this.view.renderNotes();
  }

  /**
   * A claim in another tab, or a colleague's transfer to me.
   * @param {import("../shared/protocol").ConversationDetail} detail
   */
  onAssigned(detail) {
    const desk = this.desk;
    const id = detail.conversation.conversation_id;
    desk.assigned(detail);
    this.view.renderLists();
    if (detail.from_agent) {
      this.view.announce(`${detail.from_agent.name} transferred a conversation to you.`);
      this.#alert(alertFor("transfer", { info: detail.conversation, from: detail.from_agent.name }), id);
    }
    if (!desk.selected) this.select(id);
    else if (id === desk.selected) this.view.renderConversation();
  }

  /** @param {{conversation_id: string, reason: string}} payload */
  onUnassigned(payload) {
    this.desk.unassigned(payload);
    this.view.renderLists();
    if (payload.conversation_id === this.desk.selected) {
      // Closed on screen: read again (watched now), so the facts show the resolution, the tags
      // and where the follow-up stands, which only the service's details carry.
      if (payload.reason === "closed") this.select(payload.conversation_id);
      else this.view.renderConversation();
    }
    this.refreshStats();
  }

  /**
   * `conversation_updated`: new details (state, language, summary, …) of one I own or watch.
   * @param {{conversation: import("../shared/protocol").ConversationInfo}} payload
   */
  onUpdated(payload) {
    this.desk.updated(payload.conversation);
    this.view.renderLists();
    if (payload.conversation.conversation_id === this.desk.selected) this.view.renderConversation();
  }

  /**
   * `email_status`: an email to the customer was queued, sent, is retrying, failed or skipped.
   * @param {{conversation_id: string, email: import("../shared/protocol").EmailInfo}} payload
   */
  onEmailStatus(payload) {
    this.desk.applyEmail(payload.conversation_id, payload.email);
    if (payload.conversation_id === this.desk.selected) this.view.renderEmails();
    if (payload.email.status === "failed") this.view.announce(`An email to the customer failed: ${payload.email.reason}`);
  }

  /** @param {{conversation_id: string, typing: boolean}} payload */
  onCustomerTyping(payload) {
    const id = payload.conversation_id;
    this.#setCustomerTyping(id, Boolean(payload.typing));
    // A lost "stopped typing" (a closed tab) must not leave it on.
    if (payload.typing) this.timers.later(`typing:${id}`, () => this.#setCustomerTyping(id, false), TYPING_SHOWN_MAX_MS);
    else this.timers.clear(`typing:${id}`);
  }

  // -- the agent's actions ---------------------------------------------------------------------
  /**
   * Open a conversation: owned ones are live already; others are watched while open.
   * @param {string|null} conversationId
   */
  async select(conversationId) {
    const desk = this.desk;
    const previous = desk.selected;
    if (previous && previous !== conversationId && !desk.mine.has(previous) && this.transport) {
      this.#request("unwatch", { conversation_id: previous }).catch(ignore);
    }
    desk.select(conversationId);
    this.view.renderLists();
    this.view.renderConversation();
    if (!conversationId || !this.transport) return;
    const conv = desk.conversation(conversationId);
    try {
      const detail = desk.mine.has(conversationId)
        ? await this.#request("get_conversation", { conversation_id: conversationId, after_seq: conv.transcript.contiguous })
        : await this.#request("watch", { conversation_id: conversationId });
      if (desk !== this.desk) return;
      const wasLoaded = conv.loaded;
      this.#applyDetail(detail);
      if (!wasLoaded && conversationId === desk.selected) this.view.renderConversation();
    } catch (error) {
      this.view.announce(errorMessage(error));
    }
    if (desk.mine.has(conversationId) && conv.suggestions === null && desk === this.desk) {
      // After a reload: the suggestions pushed before it are asked for again.
      this.#request("get_suggestions", { conversation_id: conversationId }).then((ack) => this.onSuggestions(ack), ignore);
    }
    if (conv.history === null && desk === this.desk) {
      this.#request("get_history", { conversation_id: conversationId }).then((ack) => {
        conv.history = ack.conversations;
        if (conversationId === desk.selected) this.view.renderStory();
      }, ignore);
    }
  }

  /**
   * Take a queued conversation or a ticket; a refusal says why and refreshes the queue.
   * @param {string} conversationId
   * @returns {Promise<boolean>} whether it is mine now
   */
  async claim(conversationId) {
    const desk = this.desk;
    try {
      const detail = await this.#request("claim", { conversation_id: conversationId });
      desk.mine.add(conversationId);
      const me = /** @type {{id: string, name: string}} */ (desk.agent);
      desk.queueRemoved({ conversation_id: conversationId, state: "agent", by: { id: me.id, name: me.name } });
      desk.applyDetail(detail);
      desk.select(conversationId);
      this.view.renderLists();
      this.view.renderConversation();
      this.view.announce("Claimed. The customer sees that you joined.");
      this.refreshStats();
      if (desk.conversation(conversationId).history === null) this.select(conversationId);
      this.view.focusReply();
      return true;
    } catch (error) {
      this.view.announce(errorMessage(error));
      this.#request("get_queue", {}).then((ack) => {
        desk.applyQueue(ack);
        this.view.renderLists();
      }, ignore);
      return false;
    }
  }

  /**
   * Reply to the customer: queued in the outbox (shown as "sending…") until acknowledged.
   * @param {string} conversationId
   * @param {string} text
   */
  send(conversationId, text) {
    if (!text.trim()) return;
    this.drafts.delete(conversationId);
    this.typingSender.stop();
    this.outbox.add(text, { conversation_id: conversationId });
    this.outbox.flush();
    this.#reportSuggestions(conversationId, text);
  }

  /**
   * A refused reply back into the reply box (after the draft, if any), out of the list.
   * @param {string} conversationId
   * @param {string} cmid
   */
  editFailed(conversationId, cmid) {
    const text = this.outbox.take(cmid);
    if (text === null) return;
    const draft = this.draft(conversationId);
    this.drafts.set(conversationId, draft ? `${draft}\n${text}` : text);
    this.view.renderComposer();
    this.view.focusReply();
  }

  /** @param {string} cmid a refused reply, deleted */
  deleteFailed(cmid) {
    this.outbox.remove(cmid);
  }

  /**
   * The reply box changed: keep the draft, tell the customer the agent is typing.
   * @param {string} conversationId
   * @param {string} text
   */
  draftChanged(conversationId, text) {
    this.drafts.set(conversationId, text);
    this.typingSender.typing(conversationId);
  }

  /**
   * A canned response added to the draft; returns the new draft for the reply box.
   * @param {string} conversationId
   * @param {string} cannedId
   * @param {string} current the reply box's text
   */
  insertCanned(conversationId, cannedId, current) {
    const chosen = this.desk.canned.find((c) => c.id === cannedId);
    if (!chosen) return current;
    const filled = fillPlaceholders(chosen.text, this.desk.conversation(conversationId).info || {});
    const text = current ? `${current} ${filled}` : filled;
    this.drafts.set(conversationId, text);
    return text;
  }

  /**
   * An internal note; true when stored (the form is then cleared).
   * @param {string} conversationId
   * @param {string} text
   */
  async addNote(conversationId, text) {
    const body = text.trim();
    if (!body) return false;
    const ack = await this.#act("add_note", { conversation_id: conversationId, text: body, client_msg_id: newClientMsgId("n") });
    if (!ack) return false;
    this.desk.applyNote(conversationId, ack.note);
    this.view.renderNotes();
    return true;
  }

  /**
   * Email the transcript to the customer (to `address` when the conversation has none).
   * @param {string} conversationId
   * @param {string} [address]
   */
  async sendTranscript(conversationId, address = "") {
    /** @type {Record<string, string>} */
    const payload = { conversation_id: conversationId };
    if (address.trim()) payload.email = address.trim();
    const ack = await this.#act("send_transcript", payload);
    if (!ack) return false;
    this.desk.applyEmail(conversationId, ack.email);
    if (conversationId === this.desk.selected) this.view.renderEmails();
    this.view.announce(`Transcript queued for ${ack.email.to}.`);
    return true;
  }

  /** @param {string} conversationId */
  async handBack(conversationId) {
    if (await this.#act("hand_back", { conversation_id: conversationId })) this.view.announce("Handed back to the bot.");
  }

  /**
   * Colleagues to transfer to (everyone but me), or null when they could not be listed.
   * @returns {Promise<import("../shared/protocol").AgentSummary[]|null>}
   */
  async colleagues() {
    const ack = await this.#act("get_agents", {});
    if (!ack) return null;
    const me = this.desk.agent && this.desk.agent.id;
    return ack.agents.filter((/** @type {import("../shared/protocol").AgentSummary} */ a) => a.id !== me);
  }

  /**
   * @param {string} conversationId
   * @param {string} toAgentId
   * @param {string} note internal, for the colleague (optional)
   */
  async transfer(conversationId, toAgentId, note) {
    if (!toAgentId) return false;
    /** @type {Record<string, string>} */
    const payload = { conversation_id: conversationId, to_agent_id: toAgentId };
    if (note.trim()) payload.note = note.trim();
    if (!(await this.#act("transfer", payload))) return false;
    this.view.closeDialog();
    this.view.announce("Transferred.");
    return true;
  }

  /**
   * Resolve it: a resolution note and tags ("billing, refund"); the customer is asked to rate,
   * and with `followUp`, asked later whether the problem was solved (`undefined`: the
   * service's default, on for a conversation answered by email).
   * @param {string} conversationId
   * @param {string} resolution
   * @param {string} tagsText
   * @param {boolean} [followUp]
   */
  async close(conversationId, resolution, tagsText, followUp) {
    const tags = parseTags(tagsText);
    const problem = tagProblem(tags);
    if (problem) {
      this.view.announce(problem); // refused here, as the service would: nothing is dropped
      return false;
    }
    /** @type {{conversation_id: string, resolution: string, tags: string[], follow_up?: boolean}} */
    const payload = { conversation_id: conversationId, resolution: resolution.trim(), tags };
    if (followUp !== undefined) payload.follow_up = followUp;
    if (!(await this.#act("close", payload))) return false;
    this.view.closeDialog();
    this.view.announce(
      followUp
        ? "Closed. The customer is asked to rate the conversation, and later whether the problem was solved."
        : "Closed. The customer is asked to rate the conversation.",
    );
    return true;
  }

  /** @param {string} status "online" | "away" */
  async setPresence(status) {
    if (await this.#act("set_presence", { status })) this.refreshStats();
  }

  /**
   * The header's wait target (seconds, at least 10), remembered in this browser.
   * @param {number} seconds
   */
  setWaitTarget(seconds) {
    if (!(seconds >= 10)) return false;
    this.waitTarget = seconds;
    this.#write(this.prefsStorage, TARGET_KEY, String(seconds));
    this.view.renderLists();
    return true;
  }

  /**
   * Show only the queue's conversations in one language ("" for all), for the rest of this
   * tab's session. The tab title still counts everyone waiting.
   * @param {string} code
   */
  setLanguageFilter(code) {
    this.desk.setLanguageFilter(code);
    this.#write(this.tokenStorage, FILTER_KEY, this.desk.languageFilter);
    this.view.renderLists();
  }

  async refreshStats() {
    if (!this.transport) return;
    const desk = this.desk;
    try {
      const ack = await this.#request("get_stats", {});
      if (desk !== this.desk) return;
      desk.stats = ack.stats;
      this.view.renderStats();
    } catch {
      // shown on the next refresh
    }
  }

  // -- what the view reads ---------------------------------------------------------------------
  /** @param {string} conversationId */
  pendingFor(conversationId) {
    return this.outbox.items().filter((p) => p.conversation_id === conversationId);
  }

  /** @param {string} conversationId */
  canReply(conversationId) {
    const info = this.desk.conversation(conversationId).info;
    return this.desk.mine.has(conversationId) && info !== null && info.state === "agent";
  }

  /** @param {string} conversationId */
  draft(conversationId) {
    return this.drafts.get(conversationId) || "";
  }

  // -- internals -------------------------------------------------------------------------------
  /**
   * @param {string} event
   * @param {any} payload
   * @returns {Promise<any>}
   */
  #request(event, payload) {
    if (!this.transport) return Promise.reject(new TransportError("offline", "Not connected; retrying…"));
    return this.transport.request(event, payload);
  }

  /**
   * A request whose failure is only told to the agent: the ack, or null.
   * @param {string} event
   * @param {any} payload
   */
  async #act(event, payload) {
    try {
      return await this.#request(event, payload);
    } catch (error) {
      this.view.announce(errorMessage(error));
      return null;
    }
  }

  /** @param {import("../shared/protocol").ConversationDetail} detail a get_conversation / watch / claim ack */
  #applyDetail(detail) {
    const desk = this.desk;
    const { conv, fresh } = desk.applyDetail(detail);
    if (conv.id === desk.selected) {
      if (fresh.length) this.view.appendEntries(fresh);
      this.view.renderNotes();
    }
    this.view.renderLists();
    if (detail.has_more) {
      this.#request("get_conversation", { conversation_id: conv.id, after_seq: conv.transcript.contiguous }).then(
        (more) => this.#applyDetail(more),
        ignore,
      );
    }
  }

  /**
   * @param {import("../shared/outbox.js").Pending} item
   * @param {{seq: number}} ack
   */
  #sent(item, ack) {
    const agent = this.desk.agent;
    /** @type {import("../shared/transcript.js").Entry} */
    const entry = {
      seq: ack.seq,
      author: "agent",
      text: item.text,
      ts: this.now() / 1000,
      client_msg_id: item.cmid,
    };
    if (agent) Object.assign(entry, { agent_name: agent.name, agent_id: agent.id });
    this.onMessage(/** @type {string} */ (item.conversation_id), entry);
  }

  /**
   * @param {string} conversationId
   * @param {boolean} typing
   */
  #setCustomerTyping(conversationId, typing) {
    this.desk.conversation(conversationId).customerTyping = typing;
    this.view.renderLists();
    if (conversationId === this.desk.selected) this.view.renderTyping();
  }

  /**
   * Raise an alert (alerts.js decides, by the agent's switches, whether it shows and sounds);
   * clicking the notification opens the conversation.
   * @param {import("./alerts.js").Alert} alert
   * @param {string} conversationId
   */
  #alert(alert, conversationId) {
    if (this.alerts) this.alerts.raise(alert, () => this.select(conversationId));
  }

  #statsSoon() {
    this.timers.later("statsSoon", () => this.refreshStats(), STATS_SOON_MS);
  }

  /** Every second: running wait times; a routing reservation that ran out re-enables Claim. */
  #tick() {
    const now = this.now() / 1000;
    const last = this.lastTick || now;
    this.lastTick = now;
    if (this.desk.queueList().some((i) => i.exclusive_until > last && i.exclusive_until <= now)) this.view.renderLists();
    else this.view.tick(now);
  }

  /**
   * @param {string} name
   * @param {() => void} fn
   * @param {number} ms
   */
  #every(name, fn, ms) {
    this.timers.later(
      name,
      () => {
        this.#every(name, fn, ms);
        fn();
      },
      ms,
    );
  }

  /**
   * @param {StorageLike|null} storage
   * @param {string} key
   */
  #read(storage, key) {
    try {
      return storage ? storage.getItem(key) : null;
    } catch {
      return null;
    }
  }

  /**
   * @param {StorageLike|null} storage
   * @param {string} key
   * @param {string} value
   */
  #write(storage, key, value) {
    try {
      if (storage) storage.setItem(key, value);
    } catch {
      // blocked storage: this tab still works
    }
  }
}

/** @param {any} error */
function errorMessage(error) {
  return (error && error.message) || String(error);
}

function ignore() {}
