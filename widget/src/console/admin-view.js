// The admin page (/console#agents): renders what admin.js holds and hands clicks back to it.
// Names, emails and everything else people typed go in as text only (shared/dom.js).

import { h, replace } from "../shared/dom.js";
import { counted } from "./admin.js";

/** @typedef {import("./admin.js").AdminController} AdminController */

const ROLES = ["admin", "writer"];

/** Ask the browser to save `text` as a file (the export). */
export function downloadFile(/** @type {string} */ filename, /** @type {string} */ text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * An input whose value lives in the controller's drafts (so a redraw keeps what was typed).
 * @param {AdminController} c @param {string} key @param {Record<string, any>} attrs
 */
function kept(c, key, attrs) {
  const input = h("input", { ...attrs, value: c.draft(key, attrs.value || "") });
  input.addEventListener("input", () => (c.drafts[key] = input.value));
  return input;
}

/** @param {AdminController} c @param {string} key @param {string} label @param {Record<string, any>} [attrs] */
function field(c, key, label, attrs = {}) {
  const id = `adm-${key}`;
  const input = kept(c, key, { id, ...attrs });
  return { input, row: h("p", { class: "adm-field" }, h("label", { for: id }, label), input) };
}

/** @param {string} prefix @param {string[]} chosen */
function roleBoxes(prefix, chosen) {
  const boxes = ROLES.map((role) => h("input", { type: "checkbox", id: `${prefix}-role-${role}`, value: role, checked: chosen.includes(role) }));
  const row = h(
    "p",
    { class: "adm-field" },
    "Roles ",
    ROLES.map((role, i) => h("label", { for: `${prefix}-role-${role}`, class: "adm-role" }, boxes[i], ` ${role}`)),
  );
  return { row, value: () => boxes.filter((b) => b.checked).map((b) => b.value) };
}

export class AdminView {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    /** @type {AdminController|null} */
    this.controller = null;
    this.confirmDelete = ""; // the username whose Delete was clicked once
  }

  /** @param {AdminController} controller */
  bind(controller) {
    this.controller = controller;
    return this;
  }

  render() {
    const c = this.controller;
    if (!c) return;
    replace(
      this.root,
      h("header", { class: "topbar" }, h("h1", {}, "Administration"), h("div", { class: "spacer" }), h("a", { href: "#", class: "link" }, "Back to the desk")),
      h("p", { class: "adm-message", role: "status", "aria-live": "polite" }, c.message),
      c.revealed ? this.#revealed(c) : null,
      this.#agents(c),
      this.#create(c),
      this.#privacy(c),
      this.#audit(c),
    );
  }

  /** @param {AdminController} c */
  #revealed(c) {
    const shown = /** @type {{username: string, password: string}} */ (c.revealed);
    return h(
      "section",
      { class: "adm-revealed", "aria-labelledby": "adm-revealed-title" },
      h("h2", { id: "adm-revealed-title" }, `New password for ${shown.username}`),
      h("p", {}, "Shown this once: give it to them now. ", h("code", { class: "adm-password" }, shown.password)),
      h("button", { type: "button", onclick: () => c.forgetPassword() }, "Done"),
    );
  }

  /** @param {AdminController} c */
  #agents(c) {
    const rows = c.agents.map((a) => (c.editing === a.username ? this.#editRow(c, a) : this.#row(c, a)));
    return h(
      "section",
      { "aria-labelledby": "adm-agents-title" },
      h("h2", { id: "adm-agents-title" }, `Agents (${c.agents.length})`),
      // On a phone the table scrolls sideways inside its own box, not the whole page.
      h(
        "div",
        { class: "adm-table" },
        h(
          "table",
          { class: "adm-agents" },
          h("thead", {}, h("tr", {}, ["Username", "Name", "Languages", "Skills", "Capacity", "Roles", "Account", "Online", ""].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, rows),
        ),
      ),
    );
  }

  /** @param {AdminController} c @param {any} a */
  #row(c, a) {
    const password = kept(c, `password-${a.username}`, { type: "password", placeholder: "empty: generate one", "aria-label": `New password for ${a.username} (empty: generate one)`, autocomplete: "new-password", size: "14" });
    const deleting = this.confirmDelete === a.username;
    return h(
      "tr",
      { dataset: { username: a.username } },
      h("td", {}, a.username),
      h("td", {}, a.name),
      h("td", {}, a.languages.join(", ")),
      h("td", {}, a.skills.join(", ") || "—"),
      h("td", {}, String(a.capacity)),
      h("td", {}, a.roles.join(", ") || "—"),
      h("td", {}, a.disabled ? "disabled" : "enabled"),
      h("td", {}, a.online ? "online" : "—"),
      h(
        "td",
        { class: "adm-actions" },
        h("button", { type: "button", onclick: () => c.edit(a.username) }, "Edit"),
        h("button", { type: "button", onclick: () => c.setDisabled(a.username, !a.disabled) }, a.disabled ? "Enable" : "Disable"),
        password,
        h("button", { type: "button", onclick: () => c.resetPassword(a.username, password.value) }, "New password"),
        deleting
          ? h("button", { type: "button", class: "danger", onclick: () => ((this.confirmDelete = ""), c.remove(a.username)) }, `Really delete ${a.username}`)
          : h("button", { type: "button", onclick: () => ((this.confirmDelete = a.username), this.render()) }, "Delete"),
      ),
    );
  }

  /** @param {AdminController} c @param {any} a */
  #editRow(c, a) {
    const p = `adm-edit-${a.username}`;
    const name = h("input", { id: `${p}-name`, value: a.name, "aria-label": "Name" });
    const languages = h("input", { id: `${p}-languages`, value: a.languages.join(", "), "aria-label": "Languages", size: "8" });
    const skills = h("input", { id: `${p}-skills`, value: a.skills.join(", "), "aria-label": "Skills", size: "12" });
    const capacity = h("input", { id: `${p}-capacity`, type: "number", min: "1", max: "50", value: String(a.capacity), "aria-label": "Capacity" });
    const roles = roleBoxes(p, a.roles);
    const save = () => c.save(a.username, { name: name.value, languages: languages.value, skills: skills.value, capacity: capacity.value, roles: roles.value() });
    return h(
      "tr",
      { class: "adm-editing", dataset: { username: a.username } },
      h("td", {}, a.username),
      h("td", {}, name),
      h("td", {}, languages),
      h("td", {}, skills),
      h("td", {}, capacity),
      h("td", { colspan: "3" }, roles.row),
      h("td", { class: "adm-actions" }, h("button", { type: "button", onclick: save }, "Save"), h("button", { type: "button", class: "link", onclick: () => c.edit("") }, "Cancel")),
    );
  }

  /** @param {AdminController} c */
  #create(c) {
    const username = field(c, "new-username", "Username", { autocomplete: "off", placeholder: "ben" });
    const name = field(c, "new-name", "Name (shown to customers)");
    const languages = field(c, "new-languages", "Languages", { value: "en", placeholder: "en, de" });
    const skills = field(c, "new-skills", "Skills", { placeholder: "billing, orders" });
    const capacity = field(c, "new-capacity", "Capacity", { type: "number", min: "1", max: "50", value: "3" });
    const password = field(c, "new-password", "Password (empty: generate one)", { type: "password", autocomplete: "new-password" });
    const roles = roleBoxes("adm-new", []);
    const submit = async (/** @type {Event} */ event) => {
      event.preventDefault();
      await c.create({
        username: username.input.value,
        name: name.input.value,
        languages: languages.input.value,
        skills: skills.input.value,
        capacity: capacity.input.value,
        roles: roles.value(),
        password: password.input.value,
      });
    };
    return h(
      "section",
      { "aria-labelledby": "adm-create-title" },
      h("h2", { id: "adm-create-title" }, "Add an agent"),
      h("form", { class: "adm-create", onsubmit: submit }, username.row, name.row, languages.row, skills.row, capacity.row, roles.row, password.row, h("button", { type: "submit" }, "Create agent")),
    );
  }

  /** @param {AdminController} c */
  #privacy(c) {
    const by = h("select", { id: "adm-search-by", "aria-label": "Find the customer by" }, h("option", { value: "email" }, "contact email"), h("option", { value: "conversation" }, "conversation id"), h("option", { value: "customer" }, "customer id"));
    by.value = c.draft("search-by", "email");
    by.addEventListener("change", () => (c.drafts["search-by"] = by.value));
    const value = kept(c, "search", { id: "adm-search-value", "aria-label": "Email or id", size: "32" });
    const search = (/** @type {Event} */ event) => {
      event.preventDefault();
      c.search(/** @type {any} */ (by.value), value.value);
    };
    const found = c.customers.map((customer) => {
      const typed = kept(c, `erase-${customer.customer_id}`, { "aria-label": `Type ${customer.customer_id} to confirm`, placeholder: "type the customer id", size: "28" });
      return h(
        "li",
        { class: "adm-customer", dataset: { customer: customer.customer_id } },
        h("p", {}, h("strong", {}, customer.customer_id), ` · ${counted(customer.conversations.length, "conversation")}`),
        h(
          "ul",
          {},
          customer.conversations.map((/** @type {any} */ conv) =>
            h("li", {}, `${conv.conversation_id} · ${conv.state} · ${new Date(conv.created_at * 1000).toLocaleString()}${conv.contact && conv.contact.email ? ` · ${conv.contact.email}` : ""}`),
          ),
        ),
        h(
          "p",
          { class: "adm-actions" },
          h("button", { type: "button", onclick: () => c.exportCustomer(customer.customer_id) }, "Export (JSON)"),
          typed,
          h("button", { type: "button", class: "danger", onclick: () => c.erase(customer.customer_id, typed.value) }, "Erase everything"),
        ),
      );
    });
    return h(
      "section",
      { "aria-labelledby": "adm-privacy-title" },
      h("h2", { id: "adm-privacy-title" }, "Privacy requests"),
      h("p", { class: "adm-hint" }, "Export everything Tandem holds about one customer, or erase it (their conversations, notes, contact details, and the bot's memory of them). Both are recorded in the audit trail."),
      h("form", { class: "adm-search", onsubmit: search }, by, value, h("button", { type: "submit" }, "Find")),
      c.searched ? h("ul", { class: "adm-customers" }, found) : null,
    );
  }

  /** @param {AdminController} c */
  #audit(c) {
    return h(
      "section",
      { "aria-labelledby": "adm-audit-title" },
      h("h2", { id: "adm-audit-title" }, "Audit trail"),
      h(
        "ul",
        { class: "adm-audit" },
        c.audit.slice(0, 50).map((e) => h("li", {}, `${new Date(e.ts * 1000).toLocaleString()} · ${e.actor} · ${e.action} · ${e.target}`)),
      ),
    );
  }
}
