// The developer Mail page (/console#mail): renders what mail.js holds. Every email is shown as
// text (its plain-text part, textContent), never as HTML.

import { h, replace } from "../shared/dom.js";

/** @typedef {import("./mail.js").MailController} MailController */

export class MailView {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    /** @type {MailController|null} */
    this.controller = null;
  }

  /** @param {MailController} controller */
  bind(controller) {
    this.controller = controller;
    return this;
  }

  render() {
    const c = this.controller;
    if (!c) return;
    const items = c.emails.map((mail) => this.#mail(c, mail));
    const note = c.inbound
      ? "Replies go to the service's inbound mail listener, as a customer's mail client would send them."
      : "No inbound mail listener is configured (TANDEM_INBOUND_SMTP_PORT): replying will fail.";
    replace(
      this.root,
      h("header", { class: "topbar" }, h("h1", {}, "Mail (developer mode)"), h("div", { class: "spacer" }), h("a", { href: "#", class: "link" }, "Back to the desk")),
      h("p", { class: "mail-note" }, "What the service would have emailed customers, kept by its built-in mail sink. ", note),
      h("p", { class: "mail-message", role: "status", "aria-live": "polite" }, c.message),
      h("ul", { class: "mail-list", "aria-label": "Emails sent" }, items.length ? items : h("li", { class: "empty" }, "No email yet: answer an offline ticket in the console.")),
    );
  }

  /** @param {MailController} c @param {any} mail */
  #mail(c, mail) {
    const field = h("textarea", {
      id: `mail-reply-${mail.id}`,
      rows: "3",
      "aria-label": `Reply as ${mail.to.join(", ")}`,
      value: c.drafts[mail.id] || "",
      oninput: () => c.draft(mail.id, field.value),
    });
    const when = new Date(mail.received_at * 1000).toLocaleString();
    return h(
      "li",
      { class: "mail-item", dataset: { id: mail.id } },
      h("h2", { class: "mail-subject" }, mail.subject || "(no subject)"),
      h(
        "dl",
        { class: "mail-headers" },
        h("dt", {}, "To"),
        h("dd", { class: "mail-to" }, mail.to.join(", ")),
        h("dt", {}, "From"),
        h("dd", {}, mail.from),
        h("dt", {}, "Reply-To"),
        h("dd", {}, mail.reply_to),
        h("dt", {}, "Received"),
        h("dd", {}, when),
      ),
      h("pre", { class: "mail-text" }, mail.text),
      h("label", { for: `mail-reply-${mail.id}` }, "Reply as the customer"),
      field,
      h("button", { type: "button", class: "primary", disabled: c.sending === mail.id, onclick: () => c.reply(mail.id) }, "Reply as the customer"),
    );
  }
}
