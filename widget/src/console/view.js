// The console's screen: the login form, the header, the sidebar (queue, my conversations,
// tickets, today's stats) and the pane of the open conversation (conversation-view.js). It only
// renders what the controller holds and hands clicks back to it; all text goes in as text.

import { h, replace } from "../shared/dom.js";
import { alertSwitches } from "./alerts.js";
import { describeWait, shortDuration } from "../shared/format.js";
import { languageLabel, speaksLanguage } from "../shared/languages.js";
import { ConversationPane } from "./conversation-view.js";
import { pageTitle, statsRows, waitLevel } from "./desk.js";
import { csatComments, definitionList, loginView, mineItem, queueItem } from "./parts.js";
import { isAdmin } from "./admin.js";
import { canWrite } from "./workbench.js";

/** @typedef {import("./controller.js").ConsoleController} ConsoleController */

/** The screen the controller drives (it implements controller.js's ConsoleViewLike). */
export class ConsoleView {
  /** @param {HTMLElement} root where the console lives (index.js: `#app`) */
  constructor(root) {
    this.root = root;
    /** @type {ConsoleController|null} */
    this.controller = null;
    this.built = false;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.toastTimer = undefined;
    this.pane = new ConversationPane(() => this.c);
  }

  /**
   * The controller whose state this view shows (it is built with the view, so it comes after).
   * @param {ConsoleController} controller
   */
  bind(controller) {
    this.controller = controller;
    return this;
  }

  /** @returns {ConsoleController} */
  get c() {
    if (!this.controller) throw new Error("ConsoleView.bind(controller) first");
    return this.controller;
  }

  /** @param {string} message */
  showLogin(message) {
    this.built = false;
    const view = loginView((/** @type {string} */ username, /** @type {string} */ password) => this.c.login(username, password), message);
    replace(this.root, view.root);
    document.title = "Log in — Tandem console";
    view.focus();
  }

  showDesk() {
    const c = this.c;
    document.title = "Tandem console";
    this.connection = h("span", { class: "connection", role: "status" }, "Connecting…");
    this.me = h("span", { class: "me" });
    this.workbenchLink = h("a", { href: "#workbench", class: "link", hidden: true }, "Workbench");
    this.adminLink = h("a", { href: "#agents", class: "link", hidden: true }, "Admin");
    // Developer mode's Mail page (docs/email.md): shown once the service says it has one.
    this.mailLink = h("a", { href: "#mail", class: "link", hidden: true }, "Mail");
    const presence = h(
      "select",
      { id: "presence", onchange: () => c.setPresence(presence.value) },
      h("option", { value: "online" }, "Online"),
      h("option", { value: "away" }, "Away"),
    );
    this.presence = presence;
    const target = h("input", {
      id: "wait-target",
      type: "number",
      min: "10",
      step: "10",
      value: String(c.waitTarget),
      onchange: () => c.setWaitTarget(Number(target.value)),
    });
    this.live = h("p", { class: "sr-only", role: "status", "aria-live": "polite" });
    this.toast = h("p", { class: "toast", role: "alert", hidden: true });
    this.queueList = h("ul", { class: "queue", "aria-label": "Queued conversations" });
    const languageFilter = h("select", { id: "queue-language", onchange: () => c.setLanguageFilter(languageFilter.value) });
    this.languageFilter = languageFilter;
    /** @type {string} the options shown, to rebuild them only when they change */
    this.languageOptions = "";
    this.queueCount = h("span", { class: "count" });
    this.ticketList = h("ul", { class: "tickets", "aria-label": "Offline tickets" });
    this.ticketCount = h("span", { class: "count" });
    this.mineList = h("ul", { class: "mine", "aria-label": "My conversations" });
    this.statsList = h("div", { class: "stats-body" });
    const main = h("main", { class: "conversation", id: "conversation", tabindex: "-1" });
    const header = h(
      "header",
      { class: "topbar" },
      h("h1", {}, "Tandem"),
      this.connection,
      h("div", { class: "spacer" }),
      h("label", { for: "presence" }, "Status"),
      presence,
      h("label", { for: "wait-target" }, "Wait target (s)"),
      target,
      c.alerts ? alertSwitches(/** @type {import("./alerts.js").Alerts} */ (c.alerts), (text) => this.announce(text)) : null,
      this.me,
      this.workbenchLink,
      this.adminLink,
      this.mailLink,
      h("button", { type: "button", onclick: () => c.logout() }, "Log out"),
    );
    const sidebar = h(
      "nav",
      { class: "sidebar", "aria-label": "Queue and conversations" },
      h(
        "section",
        { "aria-labelledby": "queue-title", class: "queue-section" },
        h("h2", { id: "queue-title" }, "Queue ", this.queueCount),
        h("div", { class: "queue-filter" }, h("label", { for: "queue-language" }, "Language"), languageFilter),
        this.queueList,
      ),
      h("section", { "aria-labelledby": "mine-title" }, h("h2", { id: "mine-title" }, "My conversations"), this.mineList),
      h("section", { "aria-labelledby": "tickets-title" }, h("h2", { id: "tickets-title" }, "Offline tickets ", this.ticketCount), this.ticketList),
      h(
        "section",
        { "aria-labelledby": "stats-title", class: "stats" },
        h("h2", { id: "stats-title" }, "Today"),
        this.statsList,
        h("button", { type: "button", class: "link", onclick: () => c.refreshStats() }, "Refresh stats"),
      ),
    );
    replace(this.root, header, this.toast, this.live, h("div", { class: "layout" }, sidebar, main));
    this.built = true;
    this.pane.mount(main);
    this.pane.render();
  }

  /** @param {boolean} connected */
  setConnected(connected) {
    if (!this.connection) return;
    this.connection.textContent = connected ? "Connected" : "Reconnecting…";
    this.connection.className = `connection ${connected ? "ok" : "down"}`;
  }

  /** @param {boolean} shown whether the developer Mail page exists here */
  showMailLink(shown) {
    if (this.mailLink) this.mailLink.hidden = !shown;
  }

  /** @param {import("../shared/protocol").AgentInfo} agent */
  setAgent(agent) {
    if (!this.me || !this.presence) return;
    this.me.textContent = agent.name;
    this.presence.value = agent.status;
    if (this.workbenchLink) this.workbenchLink.hidden = !canWrite(agent);
    if (this.adminLink) this.adminLink.hidden = !isAdmin(agent);
  }

  /** @param {string} text */
  announce(text) {
    if (!this.toast) return;
    const toast = this.toast;
    toast.textContent = text;
    toast.hidden = !text;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (toast.hidden = true), 6000);
  }

  renderLists() {
    if (!this.built || !this.queueList || !this.ticketList || !this.mineList) return;
    const c = this.c;
    const desk = c.desk;
    const now = c.now() / 1000;
    /** @param {import("../shared/protocol").QueueItem} item @param {boolean} eligible */
    const row = (item, eligible) =>
      queueItem(item, {
        now,
        target: c.waitTarget,
        eligible,
        speaks: desk.speaks(item),
        selected: item.conversation_id === desk.selected,
        onOpen: () => c.select(item.conversation_id),
        onClaim: () => c.claim(item.conversation_id),
      });
    const all = desk.queue.size;
    const queue = desk.filteredQueue();
    setText(this.queueCount, desk.languageFilter ? `(${queue.length} of ${all})` : `(${all})`);
    this.#renderLanguageFilter();
    const empty = desk.languageFilter && all
      ? `Nobody is waiting in ${languageLabel(desk.languageFilter)}; ${all} in other languages.`
      : "Nobody is waiting.";
    replace(this.queueList, queue.length ? queue.map((item) => row(item, desk.eligible(item, now))) : h("li", { class: "empty" }, empty));
    const tickets = desk.ticketList();
    setText(this.ticketCount, `(${tickets.length})`);
    replace(this.ticketList, tickets.length ? tickets.map((item) => row(item, true)) : h("li", { class: "empty" }, "No tickets."));
    const mine = desk.mineList();
    replace(
      this.mineList,
      mine.length
        ? mine.map((conv) => mineItem(conv, { selected: conv.id === desk.selected, onOpen: () => c.select(conv.id) }))
        : h("li", { class: "empty" }, "None yet: claim one from the queue."),
    );
    document.title = pageTitle(desk);
  }

  /** The queue's language filter: "All languages" and each language waiting (the agent's marked). */
  #renderLanguageFilter() {
    const select = this.languageFilter;
    if (!select) return;
    const desk = this.c.desk;
    const mine = desk.agent ? desk.agent.languages : [];
    const options = desk.queueLanguages().map((code) => ({
      code,
      label: speaksLanguage(mine, code) ? `${languageLabel(code)} — you speak it` : languageLabel(code),
    }));
    const key = JSON.stringify(options);
    if (key !== this.languageOptions) {
      this.languageOptions = key;
      replace(select, h("option", { value: "" }, "All languages"), options.map((o) => h("option", { value: o.code }, o.label)));
    }
    select.value = desk.languageFilter;
  }

  /**
   * Every second: running wait times and their colours, without rebuilding the lists.
   * @param {number} now Unix seconds
   */
  tick(now) {
    if (!this.queueList) return;
    for (const li of this.queueList.querySelectorAll("li.queue-item")) {
      if (!(li instanceof HTMLElement)) continue;
      const waited = now - Number(li.dataset.queuedAt);
      const wait = li.querySelector(".wait");
      if (wait) wait.textContent = shortDuration(waited);
      li.classList.remove("wait-ok", "wait-warn", "wait-late");
      li.classList.add(`wait-${waitLevel(waited, this.c.waitTarget)}`);
    }
  }

  renderStats() {
    if (!this.statsList) return;
    const rows = statsRows(this.c.desk.stats, (/** @type {number} */ s) => (s < 60 ? `${Math.round(s)} s` : describeWait(s).replace("about ", "")));
    const stats = this.c.desk.stats;
    const comments = (stats && stats.csat_comments) || [];
    replace(this.statsList, definitionList(rows, "stats-list"), comments.length ? csatComments(comments) : null);
  }

  // -- the open conversation (conversation-view.js) --------------------------------------------
  renderConversation() {
    if (this.built) this.pane.render();
  }

  /** @param {import("../shared/transcript.js").Entry[]} entries */
  appendEntries(entries) {
    if (this.built) this.pane.appendEntries(entries);
  }

  renderEmails() {
    if (this.built) this.pane.renderEmails();
  }

  renderNotes() {
    if (this.built) this.pane.renderNotes();
  }

  renderTyping() {
    if (this.built) this.pane.renderTyping();
  }

  renderComposer() {
    if (this.built) this.pane.renderComposer();
  }

  renderPending() {
    if (this.built) this.pane.renderPending();
  }

  renderStory() {
    if (this.built) this.pane.renderStory();
  }

  renderSuggestions() {
    if (this.built) this.pane.renderSuggestions();
  }

  closeDialog() {
    this.pane.closeDialog();
  }

  focusReply() {
    this.pane.focusReply();
  }
}

/**
 * @param {HTMLElement|undefined} el
 * @param {string} text
 */
function setText(el, text) {
  if (el) el.textContent = text;
}
