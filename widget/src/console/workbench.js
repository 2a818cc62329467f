// The writers' workbench's logic (no DOM; tested with a fake API): the inbox and its filters,
// labels and their warnings, the change to the training data and its commit, the
// check-and-train job (polled while it runs) and the test conversation being drafted.
// workbench-view.js renders it; docs/workbench.md explains it to writers.

/** @typedef {import("./workbench-api.js").WorkbenchApi} WorkbenchApi */
/** @typedef {{render: () => void}} WorkbenchViewLike */

export const JOB_POLL_MS = 2000;

export class WorkbenchController {
  /**
   * @param {{api: WorkbenchApi, view?: WorkbenchViewLike,
   *   schedule?: (fn: () => void, ms: number) => any, cancel?: (handle: any) => void}} options
   */
  constructor({ api, view, schedule = (fn, ms) => setTimeout(fn, ms), cancel = (h) => clearTimeout(h) }) {
    this.api = api;
    this.view = view || { render() {} };
    this.schedule = schedule;
    this.cancel = cancel;
    /** @type {Record<string, string>} */
    this.filters = { reason: "", intent: "", language: "", status: "pending" };
    /** @type {any[]} */
    this.items = [];
    this.total = 0;
    /** @type {string[]} */
    this.reasons = [];
    /** @type {string[]} */
    this.intents = [];
    /** @type {Record<string, string[]>} item id -> what the writer should know */
    this.warnings = {};
    /**
     * What the writer has typed per item (another intent, a new topic): kept here, not in the
     * fields, because the page is drawn again whenever an answer arrives (the intents, a poll).
     * @type {Record<string, {intent: string, topic: string}>}
     */
    this.drafts = {};
    this.commitMessage = ""; // the same, for the commit's message
    /** @type {string[]} texts labelled since the last training: what to ask the new model */
    this.labelled = [];
    /** @type {{files: string[], diff: string}|null} */
    this.changes = null;
    /** @type {Record<string, any>|null} */
    this.saved = null;
    /** @type {Record<string, any>|null} */
    this.job = null;
    /**
     * The test conversation being drafted; ``name`` and ``text`` (the steps as the writer edits
     * them, one a line) are what was typed, kept here for the same reason as ``drafts``.
     * @type {{conversationId: string, name: string, steps: Record<string, string>[], text: string}|null}
     */
    this.test = null;
    this.message = "";
    this.busy = false;
    this.pollHandle = null;
  }

  /** The page was opened: the inbox, every intent, and a job still running. */
  async open() {
    await Promise.all([this.refresh(), this.#try(async () => (this.intents = (await this.api.intents()).intents)), this.pollJob()]);
  }

  async refresh() {
    await this.#try(async () => {
      const answer = await this.api.inbox(this.filters);
      this.items = answer.items;
      this.total = answer.total;
      this.reasons = answer.reasons;
    });
  }

  /** @param {string} name reason, intent, language or status @param {string} value */
  async setFilter(name, value) {
    this.filters = { ...this.filters, [name]: value };
    await this.refresh();
  }

  /**
   * Label an item: confirm the predicted intent, pick another, a new FAQ topic, or ignore it.
   * @param {string} id
   * @param {"confirm"|"intent"|"new_topic"|"ignore"} action
   * @param {{intent?: string, topic?: string}} [extra]
   */
  async label(id, action, extra = {}) {
    const item = this.items.find((i) => i.id === id);
    await this.#try(async () => {
      const answer = await this.api.label(id, { action, ...extra });
      this.warnings = { ...this.warnings, [id]: answer.warnings || [] };
      delete this.drafts[id]; // labelled: what was typed for it is used
      if (action !== "ignore" && item) this.labelled = [...new Set([...this.labelled, answer.annotation.text])];
      this.message = answer.warnings && answer.warnings.length
        ? `Labelled, with ${answer.warnings.length} warning(s): read them before saving.`
        : action === "ignore" ? "Ignored." : `Labelled as ${answer.annotation.intent}.`;
      this.changes = null;
      // An item with warnings stays in sight, marked, so the writer reads them next to it.
      if (answer.warnings && answer.warnings.length) this.items = this.items.map((i) => (i.id === id ? { ...i, status: answer.status } : i));
      else {
        this.items = this.items.filter((i) => i.id !== id);
        this.total = Math.max(0, this.total - 1);
      }
    });
  }

  async showChanges() {
    await this.#try(async () => (this.changes = await this.api.changes()));
  }

  /** @param {string} message the commit's summary line (optional) */
  async save(message = "") {
    await this.#try(async () => {
      this.saved = await this.api.save({ message });
      this.message = this.saved && this.saved.branch
        ? `Saved as commit ${String(this.saved.commit).slice(0, 10)} on ${this.saved.branch}.`
        : "Saved (the files were written; this is not a git checkout).";
      this.changes = null;
      this.commitMessage = "";
    });
    await this.refresh();
  }

  async checkAndTrain() {
    await this.#try(async () => {
      this.job = (await this.api.startJob(this.labelled)).job;
      this.message = "Check & train started.";
    });
    this.#poll();
  }

  async pollJob() {
    await this.#try(async () => {
      const before = this.job && this.job.status;
      this.job = (await this.api.job()).job;
      if (this.job && this.job.status !== "running" && before === "running") {
        this.message = this.job.status === "passed" ? "Checked and trained: the running bot has the new model." : "Check & train failed: see the step and the log.";
        if (this.job.status === "passed") this.labelled = [];
      }
    });
    this.#poll();
  }

  /** @param {string} conversationId */
  async draftTest(conversationId) {
    await this.#try(async () => {
      const draft = await this.api.draftTest(conversationId);
      this.test = { conversationId, name: draft.name, steps: draft.steps, text: formatSteps(draft.steps) };
    });
  }

  /**
   * Save the draft (by default its name and steps as typed).
   * @param {string} [name]
   * @param {string} [text] the steps as edited: "user: <text> | <intent>" or "action: <name>", one a line
   */
  async saveTest(name, text) {
    const test = this.test;
    if (!test) return;
    name = (name ?? test.name).trim();
    const steps = parseSteps(text ?? test.text);
    await this.#try(async () => {
      const saved = await this.api.saveTest(test.conversationId, { name, steps });
      this.message = `Saved ${saved.path}${saved.branch ? ` on ${saved.branch}` : ""}.`;
      this.test = null;
    });
  }

  cancelTest() {
    this.test = null;
    this.view.render();
  }

  close() {
    if (this.pollHandle) this.cancel(this.pollHandle);
    this.pollHandle = null;
  }

  #poll() {
    if (this.pollHandle || !this.job || this.job.status !== "running") return;
    this.pollHandle = this.schedule(() => {
      this.pollHandle = null;
      this.pollJob();
    }, JOB_POLL_MS);
  }

  /** @param {() => Promise<any>} work */
  async #try(work) {
    this.busy = true;
    try {
      await work();
    } catch (error) {
      const e = /** @type {any} */ (error);
      this.message = (e && e.message) || "Something went wrong.";
    } finally {
      this.busy = false;
      this.view.render();
    }
  }
}

/**
 * The draft's steps as the writer edits them, one a line.
 * @param {Record<string, string>[]} steps
 */
export function formatSteps(steps) {
  return steps.map((s) => ("action" in s ? `action: ${s.action}` : `user: ${s.user} | ${s.intent}`)).join("\n");
}

/** @param {string} text */
export function parseSteps(text) {
  /** @type {Record<string, string>[]} */
  const steps = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("action:")) steps.push({ action: line.slice(7).trim() });
    else if (line.startsWith("user:")) {
      const body = line.slice(5);
      const bar = body.lastIndexOf("|");
      steps.push({ user: (bar < 0 ? body : body.slice(0, bar)).trim(), intent: bar < 0 ? "" : body.slice(bar + 1).trim() });
    }
  }
  return steps;
}

/** Whether an agent may open the workbench. @param {{roles?: string[]}|null|undefined} agent */
export function canWrite(agent) {
  return Boolean(agent && agent.roles && agent.roles.some((r) => r === "writer" || r === "admin"));
}
