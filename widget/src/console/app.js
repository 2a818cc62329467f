// The console's controller: login, the /agent connection, and the screen. State lives in Desk
// (pure); this file turns events into Desk updates and Desk into DOM.

import { append, h, replace, srOnly } from "../shared/dom.js";
import { describeWait, humanReason, shortDuration } from "../shared/format.js";
import { newClientMsgId } from "../shared/ids.js";
import { Desk, parseTags, statsRows, waitLevel } from "./desk.js";
import { AgentTransport, login } from "./transport.js";
import { definitionList, loginView, mineItem, noteItem, nluChip, queueItem, storyView, transcriptEntry } from "./view.js";

const TOKEN_KEY = "tandem-console:token";
const TARGET_KEY = "tandem-console:wait-target";
const TYPING_THROTTLE_MS = 2000;
const TYPING_IDLE_MS = 3000;
const STATS_EVERY_MS = 30000;

export class ConsoleApp {
  constructor(root, { baseUrl, defaultWaitTarget }) {
    this.root = root;
    this.baseUrl = baseUrl;
    this.waitTarget = Number(localStorage.getItem(TARGET_KEY)) || defaultWaitTarget;
    this.desk = new Desk();
    this.transport = null;
    this.outbox = []; // agent messages not yet acknowledged: {conversation_id, text, cmid}
    this.flushing = false;
    this.drafts = new Map();
    this.typingState = { conversation: null, sentAt: 0, idle: null };
    this.ticker = null;
  }

  start() {
    const saved = this.#savedToken();
    if (saved) this.#connect(saved.token);
    else this.#showLogin();
  }

  // -- login / logout --------------------------------------------------------------------------
  #savedToken() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
      return saved && saved.expires_at * 1000 > Date.now() ? saved : null;
    } catch {
      return null;
    }
  }

  #showLogin(message = "") {
    const view = loginView(async (username, password) => {
      try {
        const answer = await login(this.baseUrl, username, password);
        sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ token: answer.token, expires_at: answer.expires_at }));
        this.#connect(answer.token);
        return null;
      } catch (error) {
        return error.message;
      }
    }, message);
    replace(this.root, view.root);
    document.title = "Log in — Tandem console";
    view.focus();
  }

  logout(message = "") {
    sessionStorage.removeItem(TOKEN_KEY);
    if (this.transport) this.transport.close();
    this.transport = null;
    clearInterval(this.ticker);
    clearInterval(this.statsTimer);
    this.desk = new Desk();
    this.outbox = [];
    this.#showLogin(message);
  }

  // -- connection ------------------------------------------------------------------------------
  #connect(token) {
    this.#buildDesk();
    this.transport = new AgentTransport({
      url: this.baseUrl,
      token,
      handlers: {
        connect: () => this.#onConnect(),
        disconnect: () => this.#setConnection(false),
        unauthorized: () => this.logout("Your session has ended. Please log in again."),
        session_ended: (p) => this.logout(`You were logged out (${p && p.reason}).`),
        queue_added: (p) => {
          this.desk.queueAdded(p.item);
          this.#renderLists();
          this.#statsSoon();
        },
        queue_removed: (p) => {
          this.desk.queueRemoved(p);
          this.#renderLists();
          this.#statsSoon();
          if (p.conversation_id === this.desk.selected) this.#renderConversation();
        },
        conversation_message: (p) => this.#onMessage(p.conversation_id, p.entry),
        conversation_note: (p) => {
          this.desk.applyNote(p.conversation_id, p.note);
          if (p.conversation_id === this.desk.selected) this.#renderNotes();
        },
        conversation_assigned: (detail) => {
          this.desk.assigned(detail);
          this.#renderLists();
          if (detail.from_agent) this.#announce(`${detail.from_agent.name} transferred a conversation to you.`);
          if (!this.desk.selected) this.select(detail.conversation.conversation_id);
          else if (detail.conversation.conversation_id === this.desk.selected) this.#renderConversation();
        },
        conversation_unassigned: (p) => {
          this.desk.unassigned(p);
          this.#renderLists();
          if (p.conversation_id === this.desk.selected) this.#renderConversation();
          this.#refreshStats();
        },
        conversation_updated: (p) => {
          this.desk.updated(p.conversation);
          if (p.conversation.conversation_id === this.desk.selected) this.#renderConversation();
        },
        customer_typing: (p) => {
          const conv = this.desk.conversation(p.conversation_id);
          conv.customerTyping = p.typing;
          this.#renderLists();
          if (p.conversation_id === this.desk.selected) this.#renderTyping();
        },
      },
    });
    clearInterval(this.ticker);
    this.ticker = setInterval(() => this.#tick(), 1000);
  }

  async #onConnect() {
    this.#setConnection(true);
    const desk = this.desk;
    try {
      desk.applyHello(await this.transport.request("hello", {}));
    } catch (error) {
      this.#announce(`Could not load the desk: ${error.message}`);
      return;
    }
    this.me.textContent = desk.agent.name;
    this.presence.value = desk.agent.status;
    this.#renderLists();
    if (!desk.canned.length) {
      this.transport.request("get_canned", {}).then((ack) => {
        desk.canned = ack.canned;
        if (desk.selected) this.#renderComposer();
      }, () => {});
    }
    // Anything missed while away: each open conversation from its last contiguous seq.
    for (const conv of desk.conversations.values()) {
      if (!conv.loaded) continue;
      const watching = conv.id === desk.selected && !desk.mine.has(conv.id);
      const event = watching ? "watch" : "get_conversation";
      const payload = watching ? { conversation_id: conv.id } : { conversation_id: conv.id, after_seq: conv.transcript.contiguous };
      this.transport.request(event, payload).then((detail) => this.#applyDetail(detail), () => {});
    }
    if (!desk.selected && desk.mine.size) this.select([...desk.mine][0]);
    else if (desk.selected) this.#renderConversation();
    this.#refreshStats();
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.#refreshStats(), STATS_EVERY_MS);
    this.#flush();
  }

  #applyDetail(detail) {
    const { conv, fresh } = this.desk.applyDetail(detail);
    if (conv.id === this.desk.selected) {
      if (fresh.length) this.#appendEntries(fresh);
      this.#renderNotes();
    }
    this.#renderLists();
    if (detail.has_more) {
      this.transport
        .request("get_conversation", { conversation_id: conv.id, after_seq: conv.transcript.contiguous })
        .then((more) => this.#applyDetail(more), () => {});
    }
  }

  #onMessage(conversationId, entry) {
    const desk = this.desk;
    const conv = desk.conversation(conversationId);
    const isNew = desk.applyMessage(conversationId, entry);
    if (!isNew) return;
    if (conversationId === desk.selected) {
      this.#appendEntries([entry]);
      this.#renderTyping();
    }
    if (conv.transcript.hasGap()) {
      this.transport
        .request("get_conversation", { conversation_id: conversationId, after_seq: conv.transcript.contiguous })
        .then((detail) => this.#applyDetail(detail), () => {});
    }
    this.#renderLists();
  }

  // -- actions ---------------------------------------------------------------------------------
  /** Open a conversation: owned ones are live already; others are watched while open. */
  async select(conversationId) {
    const desk = this.desk;
    const previous = desk.selected;
    if (previous && previous !== conversationId && !desk.mine.has(previous) && this.transport) {
      this.transport.request("unwatch", { conversation_id: previous }).catch(() => {});
    }
    desk.select(conversationId);
    this.#renderLists();
    this.#renderConversation();
    if (!conversationId || !this.transport) return;
    const conv = desk.conversation(conversationId);
    try {
      const detail = desk.mine.has(conversationId)
        ? await this.transport.request("get_conversation", { conversation_id: conversationId, after_seq: conv.transcript.contiguous })
        : await this.transport.request("watch", { conversation_id: conversationId });
      const wasLoaded = conv.loaded;
      this.#applyDetail(detail);
      if (!wasLoaded && conversationId === desk.selected) this.#renderConversation();
    } catch (error) {
      this.#announce(error.message);
    }
    if (conv.history === null) {
      this.transport.request("get_history", { conversation_id: conversationId }).then(
        (ack) => {
          conv.history = ack.conversations;
          if (conversationId === desk.selected) this.#renderStory();
        },
        () => {},
      );
    }
  }

  async claim(conversationId) {
    try {
      const detail = await this.transport.request("claim", { conversation_id: conversationId });
      this.desk.mine.add(conversationId);
      this.desk.queueRemoved({ conversation_id: conversationId, state: "agent", by: { id: this.desk.agent.id, name: this.desk.agent.name } });
      this.desk.applyDetail(detail);
      this.desk.select(conversationId);
      this.#renderLists();
      this.#renderConversation();
      this.#announce("Claimed. The customer sees that you joined.");
      this.#refreshStats();
      if (this.desk.conversation(conversationId).history === null) this.select(conversationId);
      const reply = this.root.querySelector("#reply");
      if (reply) reply.focus();
    } catch (error) {
      this.#announce(error.message);
      this.transport.request("get_queue", {}).then((ack) => {
        this.desk.applyQueue(ack);
        this.#renderLists();
      }, () => {});
    }
  }

  sendMessage(conversationId, text) {
    if (!text.trim()) return;
    this.outbox.push({ conversation_id: conversationId, text, cmid: newClientMsgId("a") });
    this.#stopTyping();
    this.#renderPending();
    this.#flush();
  }

  async #flush() {
    if (this.flushing || !this.transport || !this.transport.connected) return;
    this.flushing = true;
    try {
      while (this.outbox.length) {
        const item = this.outbox[0];
        let ack;
        try {
          ack = await this.transport.request("send_message", {
            conversation_id: item.conversation_id,
            text: item.text,
            client_msg_id: item.cmid,
          });
        } catch (error) {
          if (error.code === "offline" || error.code === "timeout" || error.code === "internal" || error.code === "rate_limited") break;
          this.outbox.shift();
          this.#announce(`Not sent: ${error.message}`);
          continue;
        }
        this.outbox.shift();
        const agent = this.desk.agent;
        this.#onMessage(item.conversation_id, {
          seq: ack.seq,
          author: "agent",
          text: item.text,
          ts: Date.now() / 1000,
          agent_name: agent.name,
          agent_id: agent.id,
          client_msg_id: item.cmid,
        });
      }
    } finally {
      this.flushing = false;
      this.#renderPending();
    }
  }

  #typing(conversationId) {
    const t = this.typingState;
    const now = Date.now();
    if (t.conversation !== conversationId || now - t.sentAt > TYPING_THROTTLE_MS) {
      if (t.conversation && t.conversation !== conversationId) this.#stopTyping();
      this.transport.emit("typing", { conversation_id: conversationId, typing: true });
      t.conversation = conversationId;
      t.sentAt = now;
    }
    clearTimeout(t.idle);
    t.idle = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #stopTyping() {
    const t = this.typingState;
    clearTimeout(t.idle);
    if (t.conversation && this.transport) {
      this.transport.emit("typing", { conversation_id: t.conversation, typing: false });
    }
    t.conversation = null;
  }

  async #act(event, payload, done) {
    try {
      const ack = await this.transport.request(event, payload);
      if (done) done(ack);
      return true;
    } catch (error) {
      this.#announce(error.message);
      return false;
    }
  }

  /** Many queue events at once ask for the stats once. */
  #statsSoon() {
    clearTimeout(this.statsSoonTimer);
    this.statsSoonTimer = setTimeout(() => this.#refreshStats(), 1000);
  }

  async #refreshStats() {
    if (!this.transport) return;
    try {
      this.desk.stats = (await this.transport.request("get_stats", {})).stats;
      this.#renderStats();
    } catch {
      // shown on the next refresh
    }
  }

  // -- rendering -------------------------------------------------------------------------------
  #buildDesk() {
    document.title = "Tandem console";
    this.connection = h("span", { class: "connection", role: "status" }, "Connecting…");
    this.me = h("span", { class: "me" });
    this.presence = h(
      "select",
      {
        id: "presence",
        onchange: () => this.#act("set_presence", { status: this.presence.value }, () => this.#refreshStats()),
      },
      h("option", { value: "online" }, "Online"),
      h("option", { value: "away" }, "Away"),
    );
    const target = h("input", {
      id: "wait-target",
      type: "number",
      min: "10",
      step: "10",
      value: String(this.waitTarget),
      onchange: () => {
        const value = Number(target.value);
        if (value >= 10) {
          this.waitTarget = value;
          localStorage.setItem(TARGET_KEY, String(value));
          this.#renderLists();
        }
      },
    });
    this.live = h("p", { class: "sr-only", role: "status", "aria-live": "polite" });
    this.toast = h("p", { class: "toast", role: "alert", hidden: true });
    this.queueList = h("ul", { class: "queue", "aria-label": "Queued conversations" });
    this.queueCount = h("span", { class: "count" });
    this.ticketList = h("ul", { class: "tickets", "aria-label": "Offline tickets" });
    this.ticketCount = h("span", { class: "count" });
    this.mineList = h("ul", { class: "mine", "aria-label": "My conversations" });
    this.statsList = h("div", { class: "stats-body" });
    this.main = h("main", { class: "conversation", id: "conversation", tabindex: "-1" });
    const header = h(
      "header",
      { class: "topbar" },
      h("h1", {}, "Tandem"),
      this.connection,
      h("div", { class: "spacer" }),
      h("label", { for: "presence" }, "Status"),
      this.presence,
      h("label", { for: "wait-target" }, "Wait target (s)"),
      target,
      this.me,
      h("button", { type: "button", onclick: () => this.logout() }, "Log out"),
    );
    const sidebar = h(
      "nav",
      { class: "sidebar", "aria-label": "Queue and conversations" },
      h("section", { "aria-labelledby": "queue-title", class: "queue-section" }, h("h2", { id: "queue-title" }, "Queue ", this.queueCount), this.queueList),
      h("section", { "aria-labelledby": "mine-title" }, h("h2", { id: "mine-title" }, "My conversations"), this.mineList),
      h("section", { "aria-labelledby": "tickets-title" }, h("h2", { id: "tickets-title" }, "Offline tickets ", this.ticketCount), this.ticketList),
      h(
        "section",
        { "aria-labelledby": "stats-title", class: "stats" },
        h("h2", { id: "stats-title" }, "Today"),
        this.statsList,
        h("button", { type: "button", class: "link", onclick: () => this.#refreshStats() }, "Refresh stats"),
      ),
    );
    replace(this.root, header, this.toast, this.live, h("div", { class: "layout" }, sidebar, this.main));
    this.#renderConversation();
  }

  #setConnection(connected) {
    this.connection.textContent = connected ? "Connected" : "Reconnecting…";
    this.connection.className = `connection ${connected ? "ok" : "down"}`;
  }

  #announce(text) {
    this.toast.textContent = text;
    this.toast.hidden = !text;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (this.toast.hidden = true), 6000);
  }

  #renderLists() {
    const desk = this.desk;
    const now = Date.now() / 1000;
    const queue = desk.queueList();
    this.queueCount.textContent = `(${queue.length})`;
    replace(
      this.queueList,
      queue.length
        ? queue.map((item) =>
            queueItem(item, {
              now,
              target: this.waitTarget,
              eligible: desk.eligible(item, now),
              selected: item.conversation_id === desk.selected,
              onOpen: () => this.select(item.conversation_id),
              onClaim: () => this.claim(item.conversation_id),
            }),
          )
        : h("li", { class: "empty" }, "Nobody is waiting."),
    );
    const tickets = desk.ticketList();
    this.ticketCount.textContent = `(${tickets.length})`;
    replace(
      this.ticketList,
      tickets.length
        ? tickets.map((item) =>
            queueItem(item, {
              now,
              target: this.waitTarget,
              eligible: true,
              selected: item.conversation_id === desk.selected,
              onOpen: () => this.select(item.conversation_id),
              onClaim: () => this.claim(item.conversation_id),
            }),
          )
        : h("li", { class: "empty" }, "No tickets."),
    );
    const mine = desk.mineList();
    replace(
      this.mineList,
      mine.length
        ? mine.map((conv) => mineItem(conv, { selected: conv.id === desk.selected, onOpen: () => this.select(conv.id) }))
        : h("li", { class: "empty" }, "None yet: claim one from the queue."),
    );
    const unread = mine.reduce((n, c) => n + c.unread, 0);
    document.title = `${queue.length ? `(${queue.length}) ` : ""}${unread ? `• ` : ""}Tandem console`;
  }

  /** Every second: running wait times and their colours, without rebuilding the lists. */
  #tick() {
    const now = Date.now() / 1000;
    const last = this.lastTick || now;
    this.lastTick = now;
    // A routing reservation ran out since the last tick: its Claim button is enabled now.
    if (this.desk.queueList().some((i) => i.exclusive_until > last && i.exclusive_until <= now)) {
      this.#renderLists();
      return;
    }
    for (const li of this.queueList.querySelectorAll("li.queue-item")) {
      const waited = now - Number(li.dataset.queuedAt);
      const wait = li.querySelector(".wait");
      if (wait) wait.textContent = shortDuration(waited);
      const level = waitLevel(waited, this.waitTarget);
      li.classList.remove("wait-ok", "wait-warn", "wait-late");
      li.classList.add(`wait-${level}`);
    }
  }

  #renderStats() {
    const rows = statsRows(this.desk.stats, (s) => (s < 60 ? `${Math.round(s)} s` : describeWait(s).replace("about ", "")));
    replace(this.statsList, definitionList(rows, "stats-list"));
  }

  #renderConversation() {
    const desk = this.desk;
    const id = desk.selected;
    if (!id) {
      replace(
        this.main,
        h("div", { class: "placeholder" }, h("h2", {}, "No conversation open"), h("p", {}, "Pick one from the queue or from your conversations. New ones appear here as they arrive.")),
      );
      return;
    }
    const conv = desk.conversation(id);
    const info = conv.info || {};
    const mine = desk.mine.has(id) && info.state === "agent";
    const actions = h("div", { class: "actions" });
    if (info.state === "queued" || info.state === "offline") {
      append(actions, h("button", { type: "button", class: "primary", onclick: () => this.claim(id) }, info.state === "offline" ? "Answer this ticket" : "Claim"));
    }
    if (mine) {
      append(
        actions,
        h("button", { type: "button", onclick: () => this.#act("hand_back", { conversation_id: id }, () => this.#announce("Handed back to the bot.")) }, "Hand back to bot"),
        h("button", { type: "button", onclick: () => this.#openTransfer(id) }, "Transfer…"),
        h("button", { type: "button", onclick: () => this.#openClose(id) }, "Close…"),
      );
    }
    this.dialogArea = h("div", { class: "dialog-area" });
    this.storyArea = h("div", { class: "story-area" });
    this.transcriptList = h("ol", { class: "transcript", role: "log", "aria-label": "Transcript", "aria-live": "polite" });
    this.pendingList = h("ol", { class: "transcript pending" });
    this.typingLine = h("p", { class: "typing", role: "status" });
    this.composerArea = h("div", { class: "composer-area" });
    this.notesList = h("ul", { class: "notes-list", "aria-label": "Notes" });
    const noteText = h("textarea", { id: "note", rows: "2", maxlength: "4000" });
    const noteForm = h(
      "form",
      {
        class: "note-form",
        onsubmit: (event) => {
          event.preventDefault();
          const text = noteText.value.trim();
          if (!text) return;
          this.#act("add_note", { conversation_id: id, text, client_msg_id: newClientMsgId("n") }, (ack) => {
            noteText.value = "";
            desk.applyNote(id, ack.note);
            this.#renderNotes();
          });
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
        h("h2", { id: "conv-title" }, `Customer ${(info.customer_id || "").slice(0, 10)}…`),
        h("p", { class: "conv-state" }, `${info.state || "loading"} · ${humanReason(info.reason)}${info.owner ? ` · ${info.owner.name}` : ""}`),
        actions,
      ),
      this.dialogArea,
      h(
        "div",
        { class: "conv-grid" },
        h(
          "section",
          { class: "thread", "aria-labelledby": "thread-title" },
          h("h3", { id: "thread-title" }, "Transcript"),
          h("div", { class: "scroll" }, this.transcriptList, this.pendingList),
          this.typingLine,
          this.composerArea,
        ),
        h(
          "aside",
          { class: "context", "aria-label": "Context" },
          this.storyArea,
          h("section", { class: "notes", "aria-labelledby": "notes-title" }, h("h3", { id: "notes-title" }, "Internal notes"), this.notesList, noteForm),
        ),
      ),
    );
    this.#appendEntries(conv.transcript.list());
    this.#renderStory();
    this.#renderNotes();
    this.#renderTyping();
    this.#renderComposer();
    this.#renderPending();
  }

  #appendEntries(entries) {
    const conv = this.desk.conversation(this.desk.selected);
    const list = this.transcriptList;
    for (const entry of entries) {
      if (list.querySelector(`li[data-seq="${entry.seq}"]`)) continue;
      const item = transcriptEntry(entry, conv);
      const later = [...list.children].find((li) => Number(li.dataset.seq) > entry.seq);
      list.insertBefore(item, later || null);
      if (entry.nlu) {
        // The bot's answer names what it understood of an earlier customer message.
        const target = list.querySelector(`li[data-seq="${entry.nlu.seq}"] .nlu`);
        if (target) target.replaceWith(nluChip(conv.nlu.get(entry.nlu.seq)));
      }
    }
    const scroll = list.parentElement;
    if (scroll) scroll.scrollTop = scroll.scrollHeight;
  }

  #renderPending() {
    if (!this.pendingList) return;
    const mine = this.outbox.filter((p) => p.conversation_id === this.desk.selected);
    replace(
      this.pendingList,
      mine.map((p) => h("li", { class: "entry entry-agent pending" }, h("span", { class: "who" }, "You (sending…)"), h("p", { class: "text" }, p.text))),
    );
  }

  #renderStory() {
    const conv = this.desk.conversation(this.desk.selected);
    replace(this.storyArea, storyView(conv, { onOpenHistory: (cid) => this.select(cid) }));
  }

  #renderNotes() {
    if (!this.desk.selected || !this.notesList) return;
    const conv = this.desk.conversation(this.desk.selected);
    const notes = [...conv.notes.values()].sort((a, b) => a.ts - b.ts);
    replace(this.notesList, notes.length ? notes.map(noteItem) : h("li", { class: "muted" }, "No notes yet."));
  }

  #renderTyping() {
    const conv = this.desk.conversation(this.desk.selected);
    this.typingLine.textContent = conv.customerTyping ? "Customer is typing…" : "";
  }

  #renderComposer() {
    const desk = this.desk;
    const id = desk.selected;
    const conv = desk.conversation(id);
    const info = conv.info || {};
    if (!(desk.mine.has(id) && info.state === "agent")) {
      const why = info.state === "queued" || info.state === "offline"
        ? "Claim this conversation to reply."
        : info.state === "closed"
          ? "This conversation is closed."
          : info.state === "bot"
            ? "The bot has this conversation."
            : info.owner
              ? `${info.owner.name} has this conversation.`
              : "";
      replace(this.composerArea, h("p", { class: "muted" }, why));
      return;
    }
    const text = h("textarea", {
      id: "reply",
      rows: "3",
      maxlength: "4000",
      value: this.drafts.get(id) || "",
      oninput: () => {
        this.drafts.set(id, text.value);
        this.#typing(id);
      },
      onkeydown: (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          submit();
        }
      },
    });
    const submit = () => {
      const value = text.value;
      if (!value.trim()) return;
      text.value = "";
      this.drafts.delete(id);
      this.sendMessage(id, value);
      text.focus();
    };
    const language = info.language || "en";
    const canned = [...desk.canned].sort((a, b) => (a.language === language ? 0 : 1) - (b.language === language ? 0 : 1));
    const picker = h(
      "select",
      {
        id: "canned",
        onchange: () => {
          const chosen = desk.canned.find((c) => c.id === picker.value);
          if (chosen) {
            text.value = text.value ? `${text.value} ${chosen.text}` : chosen.text;
            this.drafts.set(id, text.value);
            text.focus();
          }
          picker.value = "";
        },
      },
      h("option", { value: "" }, "Insert a canned response…"),
      canned.map((c) => h("option", { value: c.id }, `${c.title}${c.language && c.language !== language ? ` (${c.language})` : ""}`)),
    );
    replace(
      this.composerArea,
      h(
        "form",
        { class: "reply-form", onsubmit: (event) => (event.preventDefault(), submit()) },
        h("label", { for: "canned", class: "sr-only" }, "Canned responses"),
        picker,
        h("label", { for: "reply" }, "Reply to customer"),
        text,
        h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Send"), h("span", { class: "muted" }, "Enter sends · Shift+Enter new line")),
      ),
    );
  }

  async #openTransfer(id) {
    let agents = [];
    try {
      agents = (await this.transport.request("get_agents", {})).agents;
    } catch (error) {
      this.#announce(error.message);
      return;
    }
    const others = agents.filter((a) => a.id !== this.desk.agent.id);
    const select = h(
      "select",
      { id: "transfer-to", required: true },
      h("option", { value: "" }, "Choose a colleague…"),
      others.map((a) =>
        h("option", { value: a.id, disabled: !a.online || a.status === "away" }, `${a.name} — ${a.online ? a.status : "offline"}, ${a.load}/${a.capacity}, ${a.languages.join("/")}${a.skills.length ? `, ${a.skills.join("/")}` : ""}`),
      ),
    );
    const note = h("textarea", { id: "transfer-note", rows: "2", maxlength: "4000" });
    replace(
      this.dialogArea,
      h(
        "form",
        {
          class: "inline-dialog",
          "aria-labelledby": "transfer-title",
          onsubmit: (event) => {
            event.preventDefault();
            if (!select.value) return;
            const payload = { conversation_id: id, to_agent_id: select.value };
            if (note.value.trim()) payload.note = note.value.trim();
            this.#act("transfer", payload, () => {
              replace(this.dialogArea);
              this.#announce("Transferred.");
            });
          },
        },
        h("h3", { id: "transfer-title" }, "Transfer to a colleague"),
        others.length ? null : h("p", { class: "muted" }, "No colleagues yet."),
        h("label", { for: "transfer-to" }, "Colleague"),
        select,
        h("label", { for: "transfer-note" }, "Note for them (internal)"),
        note,
        h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Transfer"), h("button", { type: "button", onclick: () => replace(this.dialogArea) }, "Cancel")),
      ),
    );
    select.focus();
  }

  #openClose(id) {
    const resolution = h("textarea", { id: "resolution", rows: "2", maxlength: "2000", required: true });
    const tags = h("input", { id: "tags", type: "text", placeholder: "e.g. delivery, refund" });
    replace(
      this.dialogArea,
      h(
        "form",
        {
          class: "inline-dialog",
          "aria-labelledby": "close-title",
          onsubmit: (event) => {
            event.preventDefault();
            this.#act("close", { conversation_id: id, resolution: resolution.value.trim(), tags: parseTags(tags.value) }, () => {
              replace(this.dialogArea);
              this.#announce("Closed. The customer is asked to rate the conversation.");
            });
          },
        },
        h("h3", { id: "close-title" }, "Close the conversation"),
        h("label", { for: "resolution" }, "Resolution note"),
        resolution,
        h("label", { for: "tags" }, "Tags (comma separated)"),
        tags,
        h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Close conversation"), h("button", { type: "button", onclick: () => replace(this.dialogArea) }, "Cancel")),
        srOnly("The customer will be asked to rate the conversation."),
      ),
    );
    resolution.focus();
  }
}
