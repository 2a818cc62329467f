// The widget's logic, between the transport and the view: the transcript, the outbox, the
// conversation's status, typing indicators. No DOM here (the view renders what this decides),
// so the node tests drive it with a fake transport and a recording view.

import { Transcript, entryFromBotUttered } from "../shared/transcript.js";
import { Outbox } from "./outbox.js";
import { applySession, applyStateChange, initialStatus, offlineMessageLeft, view } from "./status.js";

const BOT_THINKING_MAX_MS = 20000; // past the service's bot timeout, it tells the customer itself
const AGENT_TYPING_MAX_MS = 15000; // a lost "stopped typing" must not leave the dots forever
const TYPING_THROTTLE_MS = 2000; // docs/protocol.md: at most one tandem_typing every 2 s
const TYPING_IDLE_MS = 3000;
const RETRY_MS = 3000;

export class Chat {
  /**
   * @param {{transport: any, storage: Storage|null, view: any, prefix?: string,
   *   customData?: object, schedule?: (fn: Function, ms: number) => any,
   *   cancel?: (handle: any) => void}} options
   */
  constructor({ transport, storage, view: ui, prefix = "tandem:", customData, schedule, cancel }) {
    this.transport = transport;
    this.storage = storage;
    this.ui = ui;
    this.prefix = prefix;
    this.customData = customData && Object.keys(customData).length ? customData : undefined;
    this.schedule = schedule || ((fn, ms) => setTimeout(fn, ms));
    this.cancel = cancel || ((handle) => clearTimeout(handle));
    this.transcript = new Transcript();
    this.outbox = new Outbox(storage, `${prefix}outbox`);
    this.status = initialStatus();
    this.sessionId = this.#get("session");
    this.loaded = false; // the first session handshake on this page is done
    this.flushing = false;
    this.flushAgain = false;
    this.offlineFormOpen = false;
    this.botThinking = false;
    this.agentTyping = null; // the typing agent's name
    this.timers = {};
    this.typingSentAt = 0;
    this.typingOn = false;
  }

  // -- transport events ------------------------------------------------------------------------
  onConnect() {
    this.ui.setConnected(true);
    // The first time on this page: the whole conversation (a reload shows everything); after a
    // dropped connection: only what we missed.
    this.outbox.reload();
    this.transport.emit("session_request", {
      session_id: this.sessionId || null,
      last_seq: this.loaded ? this.transcript.contiguous : 0,
    });
  }

  onDisconnect() {
    this.ui.setConnected(false);
    this.#setBotThinking(false);
    this.#setAgentTyping(null);
  }

  onSessionConfirm(sessionId) {
    if (typeof sessionId !== "string" || !sessionId) return;
    if (this.sessionId && this.sessionId !== sessionId) {
      // The server did not know our session (e.g. it was reset): start over, like rasa-webchat.
      this.#newConversation(null);
    }
    this.sessionId = sessionId;
    this.#set("session", sessionId);
  }

  onSession(info) {
    if (!info) return;
    const id = info.conversation_id || null;
    if (id !== this.transcript.conversationId) {
      const hadOne = this.transcript.conversationId !== null || this.transcript.entries.size > 0;
      this.#newConversation(id);
      // We asked for entries after a seq of the old conversation; fetch the new one from 1.
      if (hadOne && id && info.last_seq > 0) this.#sync(0);
    }
    this.status = applySession(this.status, info);
    this.loaded = true;
    this.#refresh();
    this.flush();
  }

  onTranscript(payload) {
    if (!payload || !this.#adopt(payload.conversation_id)) return;
    this.#add(payload.messages || []);
    if (payload.has_more) this.#sync(payload.last_seq);
  }

  onBotUttered(payload) {
    const entry = entryFromBotUttered(payload);
    if (!entry || !this.#adopt(payload.metadata.tandem.conversation_id)) return;
    this.#add([entry]);
  }

  onMessage(payload) {
    if (!payload || !this.#adopt(payload.conversation_id)) return;
    this.#add([payload.entry]);
  }

  onState(change) {
    this.status = applyStateChange(this.status, change);
    if (this.status.state !== "bot") this.#setBotThinking(false);
    if (this.status.state !== "agent") this.#setAgentTyping(null);
    if (this.status.state !== "queued") this.offlineFormOpen = false;
    this.#refresh();
  }

  onTyping(payload) {
    this.#setAgentTyping(payload && payload.typing ? payload.agent_name || "Support" : null);
  }

  onError(payload) {
    if (payload && payload.code === "no_session") this.onConnect();
  }

  // -- customer actions ------------------------------------------------------------------------
  /** Send a message (or a quick reply's payload, shown as its title while pending). */
  send(text, display = undefined) {
    if (typeof text !== "string" || !text.trim()) return;
    this.outbox.add(text);
    if (display) this.displays = { ...(this.displays || {}), [text]: display };
    this.#stopTyping();
    this.ui.setPending(this.#pendingView());
    this.flush();
  }

  /** Deliver the outbox in order, once each (a resend carries the same client_msg_id). */
  async flush() {
    if (this.flushing) {
      this.flushAgain = true; // a message added meanwhile: go round once more when done
      return;
    }
    if (!this.loaded || !this.transport.connected) return;
    this.flushing = true;
    this.flushAgain = false;
    try {
      for (const item of this.outbox.items()) {
        const payload = { message: item.text, client_msg_id: item.cmid };
        if (this.sessionId) payload.session_id = this.sessionId;
        if (this.customData) payload.customData = this.customData;
        let ack;
        try {
          ack = await this.transport.request("user_uttered", payload);
        } catch (error) {
          if (["too_long", "empty_message", "bad_request", "forbidden"].includes(error.code)) {
            this.outbox.remove(item.cmid); // it can never be stored; say so
            this.ui.showError(`Not sent: ${error.message}`);
            continue;
          }
          if (error.code === "rate_limited") this.#later("flush", () => this.flush(), RETRY_MS);
          break; // offline, timeout, internal: keep it, retry on the next connect
        }
        this.outbox.remove(item.cmid);
        this.#adopt(ack.conversation_id);
        const entry = { seq: ack.seq, author: "customer", text: item.text, ts: Date.now() / 1000, client_msg_id: item.cmid };
        this.#add([entry]);
        if (this.status.state === "bot" && !ack.duplicate) this.#setBotThinking(true);
      }
    } finally {
      this.flushing = false;
      this.ui.setPending(this.#pendingView());
    }
    if (this.flushAgain) {
      this.flushAgain = false;
      await this.flush();
    }
  }

  async requestAgent() {
    try {
      const ack = await this.transport.request("tandem_request_agent", {});
      this.#adopt(ack.conversation_id);
      return ack.state;
    } catch (error) {
      this.ui.showError(error.code === "offline" ? "You're offline; try again in a moment." : error.message);
      return null;
    }
  }

  openOfflineForm(open = true) {
    this.offlineFormOpen = open;
    this.#refresh();
  }

  /** The offline form; resolves to null when sent, else the error message for the form. */
  async leaveMessage({ email, name, message }) {
    const payload = { email, message };
    if (name) payload.name = name;
    try {
      await this.transport.request("tandem_offline_message", payload);
      this.offlineFormOpen = false;
      this.#refresh();
      return null;
    } catch (error) {
      return error.code === "offline" ? "You're offline; try again in a moment." : error.message;
    }
  }

  /** CSAT; resolves to null when stored, else the error message. */
  async rate(rating, comment) {
    const payload = { rating };
    if (comment) payload.comment = comment;
    try {
      await this.transport.request("tandem_csat", payload);
    } catch (error) {
      if (error.code !== "invalid_state") {
        return error.code === "offline" ? "You're offline; try again in a moment." : error.message;
      }
      // already rated (e.g. from another tab): nothing left to ask
    }
    this.#set(`rated:${this.status.conversationId}`, "1");
    this.#refresh();
    return null;
  }

  /** The customer typed: tell the agent (throttled), and that they stopped after a pause. */
  typing() {
    if (this.status.state !== "agent" || !this.transport.connected) return;
    const now = Date.now();
    if (!this.typingOn || now - this.typingSentAt > TYPING_THROTTLE_MS) {
      this.transport.emit("tandem_typing", { typing: true });
      this.typingOn = true;
      this.typingSentAt = now;
    }
    this.#later("typingIdle", () => this.#stopTyping(), TYPING_IDLE_MS);
  }

  // -- internals -------------------------------------------------------------------------------
  #adopt(conversationId) {
    if (!conversationId) return false;
    if (this.transcript.conversationId === null) {
      this.transcript.conversationId = conversationId;
      this.status = { ...this.status, conversationId };
      return true;
    }
    return conversationId === this.transcript.conversationId;
  }

  #newConversation(conversationId) {
    this.transcript.reset(conversationId);
    this.status = { ...initialStatus(), conversationId };
    this.offlineFormOpen = false;
    this.ui.resetTranscript();
  }

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
    if (this.transcript.hasGap()) this.#later("sync", () => this.#syncGap(), 300);
    this.#refresh();
  }

  #syncGap() {
    if (this.transcript.hasGap()) this.#sync(this.transcript.contiguous);
  }

  async #sync(afterSeq) {
    try {
      const ack = await this.transport.request("tandem_sync", { after_seq: afterSeq });
      if (!this.#adopt(ack.conversation_id)) return;
      this.#add(ack.messages || []);
      if (ack.has_more) this.#sync(ack.last_seq);
    } catch {
      // offline: the next connect replays from the last contiguous seq anyway
    }
  }

  #pendingView() {
    return this.outbox
      .items()
      .filter((p) => !this.transcript.hasClientMessage(p.cmid))
      .map((p) => ({ cmid: p.cmid, text: (this.displays && this.displays[p.text]) || p.text }));
  }

  #setBotThinking(on) {
    this.botThinking = on;
    if (on) this.#later("bot", () => this.#setBotThinking(false), BOT_THINKING_MAX_MS);
    else this.#clear("bot");
    this.#typingView();
  }

  #setAgentTyping(name) {
    this.agentTyping = name;
    if (name) this.#later("agent", () => this.#setAgentTyping(null), AGENT_TYPING_MAX_MS);
    else this.#clear("agent");
    this.#typingView();
  }

  #typingView() {
    const text = this.agentTyping
      ? `${this.agentTyping} is typing…`
      : this.botThinking
        ? "The assistant is typing…"
        : "";
    this.ui.setTyping(text);
  }

  #stopTyping() {
    this.#clear("typingIdle");
    if (this.typingOn) {
      this.typingOn = false;
      this.transport.emit("tandem_typing", { typing: false });
    }
  }

  #refresh() {
    const entries = this.transcript.list();
    const rated = this.#get(`rated:${this.status.conversationId}`) === "1";
    const shown = view(this.status, {
      messageLeft: offlineMessageLeft(entries),
      rated,
      offlineFormOpen: this.offlineFormOpen,
    });
    const last = entries[entries.length - 1];
    const quick =
      this.status.state === "bot" && last && last.author === "bot" && last.buttons ? last.buttons : [];
    this.ui.setStatus(shown, this.status);
    this.ui.setQuickReplies(quick);
  }

  #later(name, fn, ms) {
    this.#clear(name);
    this.timers[name] = this.schedule(() => {
      delete this.timers[name];
      fn();
    }, ms);
  }

  #clear(name) {
    if (this.timers[name] !== undefined) {
      this.cancel(this.timers[name]);
      delete this.timers[name];
    }
  }

  #get(key) {
    try {
      return this.storage ? this.storage.getItem(this.prefix + key) : null;
    } catch {
      return null;
    }
  }

  #set(key, value) {
    try {
      if (this.storage) this.storage.setItem(this.prefix + key, value);
    } catch {
      // blocked storage: this page still works
    }
  }
}
