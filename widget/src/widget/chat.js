// The widget's logic, between the transport and the view: the transcript, the outbox, the
// conversation's status, typing indicators, and the language the widget speaks. No DOM here
// (the view renders what this decides), so the node tests drive it with a fake transport and
// a recording view.

import { Backoff } from "../shared/backoff.js";
import { Outbox } from "../shared/outbox.js";
import { Timers } from "../shared/timers.js";
import { Transcript, entryFromBotUttered } from "../shared/transcript.js";
import { TYPING_SHOWN_MAX_MS, TypingSender } from "../shared/typing.js";
import { DEFAULT_LANGUAGE, chooseLanguage, languageField, supported, translator } from "./i18n.js";
import { applySession, applyStateChange, initialStatus, offlineMessageLeft, view } from "./status.js";

const BOT_THINKING_MAX_MS = 20000; // past the service's bot timeout, it tells the customer itself
export const MAX_MESSAGE_CHARS = 4000; // the service's default limit; the message box counts to it
// session_request has no ack: its answer is tandem_session, a refusal is tandem_error. A service
// that cannot answer at all (Redis frozen) sends neither; ask again after this long.
const SESSION_ANSWER_MS = 10000;
// Failures that mean the service cannot store anything right now (not "slow down"): the widget
// says it is reconnecting until a message goes through again.
const OUTAGE_CODES = Object.freeze(["internal", "unavailable", "timeout", "no_session"]);

/** @typedef {import("../shared/transcript.js").Entry} Entry */
/** @typedef {import("../shared/protocol").StateChange} StateChange */
/** @typedef {{cmid: string, text: string, failed?: string}} PendingView */

/**
 * What Chat asks of its view (view.js; a recorder in the tests).
 * @typedef {object} ChatViewLike
 * @property {(connected: boolean) => void} setConnected
 * @property {() => void} resetTranscript
 * @property {(entries: Entry[], transcript: Transcript) => void} addEntries
 * @property {(items: PendingView[]) => void} setPending  waiting ones, and failed ones (`failed`: why, to show with edit and delete)
 * @property {(text: string) => void} setTyping
 * @property {(buttons: {title: string, payload: string}[]) => void} setQuickReplies
 * @property {(shown: import("./status.js").Shown, status: import("./status.js").Status) => void} setStatus
 * @property {(text: string) => void} showError
 * @property {(language: string, t: import("./i18n.js").Translate, transcript: Transcript) => void} setLanguage
 *   the widget's texts in another language (entries already shown included)
 */

/**
 * The transport as Chat uses it (shared/transport.js's Transport, or a fake).
 * @typedef {{connected: boolean, request(event: string, payload?: any): Promise<any>,
 *   emit(event: string, payload: any): void}} CustomerTransportLike
 */

/**
 * @typedef {object} ChatOptions
 * @property {CustomerTransportLike} transport
 * @property {import("../shared/outbox.js").OutboxOptions["storage"]} storage
 * @property {ChatViewLike} view
 * @property {string} [prefix]          of the storage keys
 * @property {Record<string, any>} [customData]  sent with every message
 * @property {string} [language]        the language to start in (i18n.js initialLanguage)
 * @property {import("../shared/timers.js").Schedule} [schedule]
 * @property {import("../shared/timers.js").Cancel} [cancel]
 * @property {() => number} [random]   the retry backoff's jitter (tests)
 */

export class Chat {
  /** @param {ChatOptions} options */
  constructor({ transport, storage, view: ui, prefix = "tandem:", customData, language = DEFAULT_LANGUAGE, schedule, cancel, random }) {
    this.transport = transport;
    this.storage = storage;
    this.ui = ui;
    this.prefix = prefix;
    this.customData = customData && Object.keys(customData).length ? customData : undefined;
    this.timers = new Timers(schedule, cancel);
    this.transcript = new Transcript();
    this.outbox = new Outbox({
      storage,
      key: `${prefix}outbox`,
      prefix: "w",
      send: (item) => this.transport.request("user_uttered", this.#utterance(item)),
      canSend: () => this.sessionUp && this.transport.connected,
      onSent: (item, ack) => this.#sent(item, ack),
      // Refused for good: the message shows as failed, with edit and delete (setPending).
      onRefused: () => {},
      onRetry: (error) => {
        this.stalled = Boolean(error && OUTAGE_CODES.includes(error.code));
        this.#connection();
      },
      onChange: () => this.ui.setPending(this.#pendingView()),
      schedule,
      cancel,
      random,
    });
    this.sessionBackoff = new Backoff(random);
    this.typingSender = new TypingSender({
      emit: (typing) => this.transport.emit("tandem_typing", { typing }),
      schedule,
      cancel,
    });
    this.status = initialStatus();
    this.sessionId = this.#get("session");
    this.loaded = false; // the first session handshake on this page is done
    this.sessionUp = false; // this connection's session handshake is done
    this.stalled = false; // messages fail as if the service were away (OUTAGE_CODES)
    this.offlineFormOpen = false;
    this.emailOn = false; // tandem_session.email: the service sends email
    this.askedAgain = false; // asked for a person after leaving a message; still nobody came
    this.botThinking = false;
    /** @type {import("../shared/protocol").FollowUpQuestion|null} "Was your problem solved?" */
    this.followup = null;
    this.followupThanks = ""; // the service's answer to a "yes", shown until the next change
    /** @type {string|null} */
    this.agentTyping = null; // the typing agent's name
    /** @type {Record<string, string>} quick-reply payload -> the title shown while pending */
    this.displays = {};
    // The language: the customer's pick (kept in storage) > the conversation's > the initial.
    this.initialLanguage = supported(language) || DEFAULT_LANGUAGE;
    /** @type {string|null} */
    this.picked = supported(this.#get("lang"));
    /** @type {string|null} the conversation's language, as the service identified it */
    this.identified = null;
    this.language = chooseLanguage({ picked: this.picked, identified: null, initial: this.initialLanguage });
    this.t = translator(this.language);
    this.ui.setLanguage(this.language, this.t, this.transcript);
  }

  // -- transport events ------------------------------------------------------------------------
  onConnect() {
    // Still "reconnecting…" until the session is back: the socket alone serves nobody (Redis
    // may be down, and then session_request fails; it is asked again until it works).
    this.sessionUp = false;
    this.sessionBackoff.reset();
    this.outbox.reload();
    this.#connection();
    this.#askSession();
  }

  onDisconnect() {
    this.sessionUp = false;
    this.timers.clear("session");
    this.#connection();
    this.#setBotThinking(false);
    this.#setAgentTyping(null);
  }

  /** @param {unknown} sessionId `session_confirm`: the id as a bare string */
  onSessionConfirm(sessionId) {
    if (typeof sessionId !== "string" || !sessionId) return;
    if (this.sessionId && this.sessionId !== sessionId) {
      // The server did not know our session (e.g. it was reset): start over, like rasa-webchat.
      this.#newConversation(null);
    }
    this.sessionId = sessionId;
    this.#set("session", sessionId);
  }

  /** @param {import("../shared/protocol").SessionInfo} info `tandem_session` */
  onSession(info) {
    if (!info) return;
    this.emailOn = Boolean(info.email); // the service emails: the form may promise it
    this.#identify(info.language);
    const id = info.conversation_id || null;
    if (id !== this.transcript.conversationId) {
      const hadOne = this.transcript.conversationId !== null || this.transcript.entries.size > 0;
      this.#newConversation(id);
      // We asked for entries after a seq of the old conversation; fetch the new one from 1.
      if (hadOne && id && info.last_seq > 0) this.#sync(0);
    }
    this.status = applySession(this.status, info);
    this.loaded = true;
    this.sessionUp = true;
    this.stalled = false; // the service just answered from Redis
    this.timers.clear("session");
    this.sessionBackoff.reset();
    this.#connection();
    this.#refresh();
    this.flush();
  }

  /** @param {import("../shared/protocol").TranscriptPayload} payload `tandem_transcript` */
  onTranscript(payload) {
    if (!payload || !this.#adopt(payload.conversation_id)) return;
    this.#identify(payload.language);
    this.#add(payload.messages || []);
    if (payload.has_more) this.#sync(payload.last_seq);
  }

  /** @param {any} payload `bot_uttered` (Rasa's shape + metadata.tandem) */
  onBotUttered(payload) {
    const entry = entryFromBotUttered(payload);
    if (!entry || !this.#adopt(payload.metadata.tandem.conversation_id)) return;
    this.#add([entry]);
  }

  /** @param {{conversation_id: string, entry: Entry}} payload `tandem_message` (another tab's) */
  onMessage(payload) {
    if (!payload || !this.#adopt(payload.conversation_id)) return;
    this.#add([payload.entry]);
  }

  /** @param {StateChange} change `tandem_state` */
  onState(change) {
    const before = this.status;
    this.status = applyStateChange(this.status, change);
    if (change && this.status !== before) this.#identify(change.language);
    if (this.status.state !== "bot") this.#setBotThinking(false);
    if (this.status.state !== "agent") this.#setAgentTyping(null);
    if (this.status.state !== "queued") this.offlineFormOpen = false;
    if (this.status.state !== "offline") this.askedAgain = false;
    if (this.status.state !== "closed") {
      this.followup = null;
      this.followupThanks = "";
    }
    this.#refresh();
  }

  /**
   * `tandem_followup`: "Was your problem solved?" about the (closed) conversation on screen;
   * asked again at every return until answered, so a question for another one is stale.
   * @param {import("../shared/protocol").FollowUpQuestion} question
   */
  onFollowUp(question) {
    if (!question || typeof question.question !== "string") return;
    if (question.conversation_id !== this.status.conversationId) return;
    this.followup = question;
    this.#refresh();
  }

  /** @param {{typing: boolean, agent_name?: string}} payload `tandem_typing` */
  onTyping(payload) {
    this.#setAgentTyping(payload && payload.typing ? payload.agent_name || "" : null);
  }

  /** @param {{code: string, event?: string}} payload `tandem_error` */
  onError(payload) {
    if (!payload) return;
    if (payload.event === "session_request") {
      // Refused (`internal`: Redis is down): ask again, backing off, while the socket stays up.
      this.timers.later("session", () => this.#askSession(), this.sessionBackoff.next());
    } else if (payload.code === "no_session" && this.sessionUp) {
      // The service lost this socket's session (a replica restarted behind the same socket).
      this.onConnect();
    }
  }

  // -- customer actions ------------------------------------------------------------------------
  /**
   * Send a message (or a quick reply's payload, shown as its title while pending).
   * @param {string} text
   * @param {string} [display]
   */
  send(text, display = undefined) {
    if (typeof text !== "string" || !text.trim()) return;
    if (display) this.displays[text] = display;
    this.typingSender.stop();
    this.outbox.add(text);
    this.flush();
  }

  /** Deliver the outbox (shared/outbox.js: in order, once each, until acknowledged). */
  flush() {
    return this.outbox.flush();
  }

  /**
   * A failed message back into the message box: returns its text (and it leaves the list).
   * @param {string} cmid
   */
  editFailed(cmid) {
    return this.outbox.take(cmid);
  }

  /** @param {string} cmid a failed message, deleted */
  deleteFailed(cmid) {
    this.outbox.remove(cmid);
  }

  /**
   * "Talk to a person" (the header's button): from the bot, and again after an offline message
   * was left. The service answers with the state now; a change also comes as `tandem_state`.
   * Still `offline` means nobody can come yet: the customer is told so, under the confirmation.
   */
  async requestAgent() {
    try {
      const ack = await this.transport.request("tandem_request_agent", {});
      this.#adopt(ack.conversation_id);
      if (ack.state === "offline" && this.status.state === "offline") {
        this.askedAgain = true;
        this.#refresh();
      }
      return ack.state;
    } catch (/** @type {any} */ error) {
      this.ui.showError(this.#problem(error));
      return null;
    }
  }

  openOfflineForm(open = true) {
    this.offlineFormOpen = open;
    this.#refresh();
  }

  /**
   * The offline form; resolves to null when sent, else the error message for the form.
   * @param {{email: string, name?: string, message: string}} form
   * @returns {Promise<string|null>}
   */
  async leaveMessage({ email, name, message }) {
    /** @type {Record<string, string>} */
    const payload = { email, message };
    if (name) payload.name = name;
    try {
      await this.transport.request("tandem_offline_message", payload);
      this.offlineFormOpen = false;
      this.#refresh();
      return null;
    } catch (/** @type {any} */ error) {
      return this.#problem(error, error.code === "bad_request" ? "error.invalidEmail" : "error.generic");
    }
  }

  /**
   * The transcript by email (`tandem_email_transcript`): to the address the service knows, or
   * to `address`. Resolves to what to tell the customer, and whether their email is needed.
   * @param {string} [address]
   * @returns {Promise<{text: string, needEmail?: boolean, sent?: boolean}>}
   */
  async emailTranscript(address = "") {
    try {
      const ack = await this.transport.request("tandem_email_transcript", address ? { email: address } : {});
      return { text: this.t("transcript.sent", { address: ack.sent_to }), sent: true };
    } catch (/** @type {any} */ error) {
      if (error.code === "bad_request") {
        return address ? { text: this.t("error.invalidEmail"), needEmail: true } : { text: "", needEmail: true };
      }
      return { text: this.#problem(error) };
    }
  }

  /**
   * CSAT; resolves to null when stored, else the error message.
   * @param {number} rating 1-5
   * @param {string} [comment]
   * @returns {Promise<string|null>}
   */
  async rate(rating, comment) {
    /** @type {{rating: number, comment?: string}} */
    const payload = { rating };
    if (comment) payload.comment = comment;
    try {
      await this.transport.request("tandem_csat", payload);
    } catch (/** @type {any} */ error) {
      if (error.code !== "invalid_state") return this.#problem(error);
      // already rated (e.g. from another tab): nothing left to ask
    }
    this.#set(`rated:${this.status.conversationId}`, "1");
    this.#refresh();
    return null;
  }

  /**
   * The answer to the follow-up question; resolves to null when taken, else the error message.
   * "No" reopens the conversation (its `tandem_state` follows); "yes" is thanked for.
   * @param {boolean} solved
   * @returns {Promise<string|null>}
   */
  async answerFollowUp(solved) {
    const question = this.followup;
    if (!question) return null;
    try {
      const ack = await this.transport.request("tandem_followup_answer", { conversation_id: question.conversation_id, solved });
      this.followup = null;
      this.followupThanks = solved && typeof ack.text === "string" ? ack.text : "";
    } catch (/** @type {any} */ error) {
      if (error.code !== "invalid_state" && error.code !== "not_found") return this.#problem(error);
      this.followup = null; // answered already (another tab) or moot: nothing left to ask
    }
    this.#refresh();
    return null;
  }

  /**
   * The customer picked a language in the header: it wins over the conversation's, is
   * remembered, and is sent with their messages as `metadata.language`.
   * @param {string} language
   */
  setLanguage(language) {
    const code = supported(language);
    if (!code) return;
    this.picked = code;
    this.#set("lang", code);
    this.#applyLanguage();
  }

  /** The customer typed: tell the agent (throttled), and that they stopped after a pause. */
  typing() {
    if (this.status.state !== "agent" || !this.transport.connected) return;
    this.typingSender.typing(null);
  }

  // -- internals -------------------------------------------------------------------------------
  #askSession() {
    this.timers.clear("session");
    if (!this.transport.connected) return;
    // The first time on this page: the whole conversation (a reload shows everything); after a
    // dropped connection: only what we missed.
    this.transport.emit("session_request", {
      session_id: this.sessionId || null,
      last_seq: this.loaded ? this.transcript.contiguous : 0,
    });
    this.timers.later("session", () => this.#askSession(), SESSION_ANSWER_MS);
  }

  /** "Reconnecting…" whenever the customer's messages cannot get through. */
  #connection() {
    this.ui.setConnected(this.transport.connected && this.sessionUp && !this.stalled);
  }

  /**
   * The service told the conversation's language (an optional ISO 639-1 `language` field).
   * @param {unknown} value
   */
  #identify(value) {
    const code = languageField(value);
    if (!code || code === this.identified) return;
    this.identified = code;
    this.#applyLanguage();
  }

  #applyLanguage() {
    const next = chooseLanguage({ picked: this.picked, identified: this.identified, initial: this.initialLanguage });
    if (next === this.language) return;
    this.language = next;
    this.t = translator(next);
    this.ui.setLanguage(next, this.t, this.transcript);
    this.#refresh();
    this.#typingView();
    this.ui.setPending(this.#pendingView());
  }

  /**
   * What to tell the customer about a failed request, in their language.
   * @param {any} error a TransportError
   * @param {import("./i18n.js").MessageKey} [otherwise] for codes without their own text
   */
  #problem(error, otherwise = "error.generic") {
    const code = error && error.code;
    if (code === "offline") return this.t("error.offline");
    if (code === "timeout") return this.t("error.timeout");
    if (code === "rate_limited") return this.t("error.rateLimited");
    if (code === "empty_message") return this.t("error.empty");
    if (code === "invalid_text") return this.t("error.invalidText");
    if (code === "too_long") {
      // The service's message names its limit (TANDEM_MAX_MESSAGE_CHARS); the box counts to 4000.
      const limit = /(\d+)/.exec(String(error.message || ""));
      return this.t("error.tooLong", { max: limit ? limit[1] : MAX_MESSAGE_CHARS });
    }
    return this.t(otherwise);
  }

  /** @param {import("../shared/outbox.js").Pending} item */
  #utterance(item) {
    /** @type {Record<string, any>} */
    const payload = { message: item.text, client_msg_id: item.cmid };
    if (this.sessionId) payload.session_id = this.sessionId;
    // The customer's own pick of language goes to the service as a hint (docs/widget.md);
    // metadata and customData are one thing to the service, so they travel together.
    if (this.picked) payload.metadata = { ...this.customData, language: this.picked };
    else if (this.customData) payload.customData = this.customData;
    return payload;
  }

  /**
   * @param {import("../shared/outbox.js").Pending} item
   * @param {any} ack
   */
  #sent(item, ack) {
    this.#adopt(ack.conversation_id);
    /** @type {Entry} */
    const entry = { seq: ack.seq, author: "customer", text: item.text, ts: Date.now() / 1000, client_msg_id: item.cmid };
    this.#add([entry]);
    if (this.status.state === "bot" && !ack.duplicate) this.#setBotThinking(true);
  }

  /**
   * The conversation entries belong to: the first one seen is adopted, others are stale.
   * @param {string|null|undefined} conversationId
   */
  #adopt(conversationId) {
    if (!conversationId) return false;
    if (this.transcript.conversationId === null) {
      this.transcript.conversationId = conversationId;
      this.status = { ...this.status, conversationId };
      return true;
    }
    return conversationId === this.transcript.conversationId;
  }

  /** @param {string|null} conversationId */
  #newConversation(conversationId) {
    this.transcript.reset(conversationId);
    this.status = { ...initialStatus(), conversationId };
    this.offlineFormOpen = false;
    this.askedAgain = false;
    this.followup = null;
    this.followupThanks = "";
    this.ui.resetTranscript();
  }

  /** @param {Entry[]} entries */
  #add(entries) {
    const fresh = this.transcript.applyMany(entries);
    if (!fresh.length) return;
    for (const entry of fresh) {
      if (entry.client_msg_id) this.outbox.remove(entry.client_msg_id);
      if (entry.author === "bot" || (entry.author === "system" && entry.event !== "agent_joined")) {
        this.#setBotThinking(false);
      }
      if (entry.author === "agent") this.#setAgentTyping(null);
    }
    this.ui.addEntries(fresh, this.transcript);
    this.ui.setPending(this.#pendingView());
    if (this.transcript.hasGap()) this.timers.later("sync", () => this.#syncGap(), 300);
    this.#refresh();
  }

  #syncGap() {
    if (this.transcript.hasGap()) this.#sync(this.transcript.contiguous);
  }

  /** @param {number} afterSeq */
  async #sync(afterSeq) {
    try {
      const ack = await this.transport.request("tandem_sync", { after_seq: afterSeq });
      if (!this.#adopt(ack.conversation_id)) return;
      this.#identify(ack.language);
      this.#add(ack.messages || []);
      if (ack.has_more) this.#sync(ack.last_seq);
    } catch {
      // offline: the next connect replays from the last contiguous seq anyway
    }
  }

  /** @returns {PendingView[]} */
  #pendingView() {
    return this.outbox
      .items()
      .filter((p) => !this.transcript.hasClientMessage(p.cmid))
      .map((p) => {
        /** @type {PendingView} */
        const shown = { cmid: p.cmid, text: this.displays[p.text] || p.text };
        if (p.failed) shown.failed = this.#problem(p.failed, "error.notSent");
        return shown;
      });
  }

  /** @param {boolean} on */
  #setBotThinking(on) {
    this.botThinking = on;
    if (on) this.timers.later("bot", () => this.#setBotThinking(false), BOT_THINKING_MAX_MS);
    else this.timers.clear("bot");
    this.#typingView();
  }

  /** @param {string|null} name */
  #setAgentTyping(name) {
    this.agentTyping = name;
    if (name) this.timers.later("agent", () => this.#setAgentTyping(null), TYPING_SHOWN_MAX_MS);
    else this.timers.clear("agent");
    this.#typingView();
  }

  #typingView() {
    const text =
      this.agentTyping !== null
        ? this.t("typing.agent", { name: this.agentTyping || this.t("entry.support") })
        : this.botThinking
          ? this.t("typing.bot")
          : "";
    this.ui.setTyping(text);
  }

  #refresh() {
    const entries = this.transcript.list();
    const rated = this.#get(`rated:${this.status.conversationId}`) === "1";
    const shown = view(
      this.status,
      {
        messageLeft: offlineMessageLeft(entries),
        rated,
        offlineFormOpen: this.offlineFormOpen,
        askedAgain: this.askedAgain,
        followup: this.followup,
        followupThanks: this.followupThanks,
        emailOn: this.emailOn,
      },
      this.t,
    );
    const last = entries[entries.length - 1];
    const quick =
      this.status.state === "bot" && last && last.author === "bot" && last.buttons ? last.buttons : [];
    this.ui.setStatus(shown, { ...this.status, emailOn: this.emailOn });
    this.ui.setQuickReplies(quick);
  }

  /** @param {string} key */
  #get(key) {
    try {
      return this.storage ? this.storage.getItem(this.prefix + key) : null;
    } catch {
      return null;
    }
  }

  /**
   * @param {string} key
   * @param {string} value
   */
  #set(key, value) {
    try {
      if (this.storage) this.storage.setItem(this.prefix + key, value);
    } catch {
      // blocked storage: this page still works
    }
  }
}
