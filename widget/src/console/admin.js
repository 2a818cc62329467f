// The admin page's logic (no DOM; tested with a fake API): the agents and their edits, a new
// password shown once, privacy requests (search, export, erase after typing the customer id)
// and the audit trail. admin-view.js renders it; docs/console.md explains it to admins.

/** @typedef {import("./admin-api.js").AdminApi} AdminApi */
/** @typedef {{render: () => void}} AdminViewLike */

/** Whether an agent may open the admin page (the service checks it again on every call). */
export function isAdmin(/** @type {{roles?: string[]}|null|undefined} */ agent) {
  return Boolean(agent && agent.roles && agent.roles.includes("admin"));
}

/** "en, de" or ["en", "de"] -> ["en", "de"] (the service checks the values). */
export function splitList(/** @type {string} */ text) {
  return text
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * A count with its noun: counted(1, "conversation") -> "1 conversation", counted(2, …) -> "2
 * conversations" (the console is English; "conversation(s)" reads like a form).
 * @param {number} n
 * @param {string} one
 * @param {string} [many] when not `one` + "s"
 */
export function counted(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export class AdminController {
  /**
   * @param {{api: AdminApi, view?: AdminViewLike,
   *   download?: (filename: string, text: string) => void}} options
   */
  constructor({ api, view, download = () => {} }) {
    this.api = api;
    this.view = view || { render() {} };
    this.download = download;
    /** @type {any[]} */
    this.agents = [];
    /** @type {string} the username being edited, "" for none */
    this.editing = "";
    /** @type {{username: string, password: string}|null} a generated password, shown once */
    this.revealed = null;
    /** @type {any[]} customers found by the last search, with their conversations */
    this.customers = [];
    this.searched = false;
    /** @type {any[]} */
    this.audit = [];
    /**
     * What the admin has typed (the new agent's fields, a search, an erase's confirmation), by
     * field: kept here, not in the fields, because the page is drawn again whenever an answer
     * arrives (the audit trail after an export, say).
     * @type {Record<string, string>}
     */
    this.drafts = {};
    this.message = "";
    this.busy = false;
  }

  /** @param {string} key @param {string} fallback */
  draft(key, fallback = "") {
    return key in this.drafts ? this.drafts[key] : fallback;
  }

  async open() {
    await this.#try(async () => {
      const [agents, audit] = await Promise.all([this.api.agents(), this.api.audit()]);
      this.agents = agents.agents;
      this.audit = audit.entries;
    });
  }

  /**
   * Create an agent from the form's fields; an empty password makes the service generate one.
   * @param {{username: string, name: string, languages: string, skills: string, capacity: string|number, roles: string[], password: string}} form
   */
  async create(form) {
    return this.#try(async () => {
      const body = {
        username: form.username.trim(),
        name: form.name,
        languages: splitList(form.languages),
        skills: splitList(form.skills),
        capacity: Number(form.capacity),
        roles: form.roles,
        password: form.password,
      };
      const answer = await this.api.create(body);
      this.revealed = answer.password ? { username: answer.agent.username, password: answer.password } : null;
      this.message = `Created ${answer.agent.username}.`;
      for (const key of Object.keys(this.drafts)) if (key.startsWith("new-")) delete this.drafts[key];
      await this.#reload();
      return true;
    });
  }

  /** @param {string} username */
  edit(username) {
    this.editing = username;
    this.view.render();
  }

  /**
   * @param {string} username
   * @param {{name: string, languages: string, skills: string, capacity: string|number, roles: string[]}} form
   */
  async save(username, form) {
    await this.#try(async () => {
      await this.api.update(username, {
        name: form.name,
        languages: splitList(form.languages),
        skills: splitList(form.skills),
        capacity: Number(form.capacity),
        roles: form.roles,
      });
      this.editing = "";
      this.message = `Saved ${username}.`;
      await this.#reload();
    });
  }

  /** @param {string} username @param {boolean} disabled */
  async setDisabled(username, disabled) {
    await this.#try(async () => {
      await (disabled ? this.api.disable(username) : this.api.enable(username));
      this.message = disabled ? `Disabled ${username}: their consoles close and their conversations go back to the queue.` : `Enabled ${username}.`;
      await this.#reload();
    });
  }

  /** @param {string} username */
  async remove(username) {
    await this.#try(async () => {
      const answer = await this.api.remove(username);
      this.message = `Deleted ${username}; ${counted(answer.requeued, "conversation")} went back to the queue.`;
      await this.#reload();
    });
  }

  /** @param {string} username @param {string} password "" to generate one */
  async resetPassword(username, password) {
    await this.#try(async () => {
      const answer = await this.api.resetPassword(username, password);
      delete this.drafts[`password-${username}`];
      this.revealed = answer.password ? { username, password: answer.password } : null;
      this.message = `New password set for ${username}; they are logged out everywhere.`;
      await this.#reload();
    });
  }

  /** The generated password was read: it is not shown again. */
  forgetPassword() {
    this.revealed = null;
    this.view.render();
  }

  /** @param {"customer"|"conversation"|"email"} by @param {string} value */
  async search(by, value) {
    await this.#try(async () => {
      this.customers = (await this.api.search({ [by]: value.trim() })).customers;
      this.searched = true;
      this.message = this.customers.length ? "" : "No customer found.";
      await this.#reload();
    });
  }

  /** @param {string} customerId */
  async exportCustomer(customerId) {
    await this.#try(async () => {
      const data = await this.api.exportCustomer(customerId);
      this.download(`tandem-${customerId}.json`, JSON.stringify(data, null, 2));
      this.message = `Exported ${customerId}.`;
      await this.#reload();
    });
  }

  /** @param {string} customerId @param {string} typed what the admin typed to confirm */
  async erase(customerId, typed) {
    if (typed.trim() !== customerId) {
      this.message = `Type ${customerId} to confirm the erase.`;
      this.view.render();
      return;
    }
    await this.#try(async () => {
      const answer = await this.api.erase(customerId, typed.trim());
      delete this.drafts[`erase-${customerId}`];
      this.customers = this.customers.filter((c) => c.customer_id !== customerId);
      this.message = `Erased ${customerId}: ${counted(answer.conversations, "conversation")}, ${counted(answer.closed_live, "live one")} closed.`;
      await this.#reload();
    });
  }

  async #reload() {
    const [agents, audit] = await Promise.all([this.api.agents(), this.api.audit()]);
    this.agents = agents.agents;
    this.audit = audit.entries;
  }

  /** @param {() => Promise<any>} work @returns {Promise<any>} */
  async #try(work) {
    this.busy = true;
    try {
      return await work();
    } catch (error) {
      const e = /** @type {any} */ (error);
      this.message = (e && e.message) || "Something went wrong.";
      return false;
    } finally {
      this.busy = false;
      this.view.render();
    }
  }
}
