// How the console names a customer: by the name and email the offline form or the triage
// collected, else by a short form of their id (pure).
//
//   customerName({ customer_id: "u_42a9ad97f3", contact: { name: "Sam", email: "sam@x.org" } })  // "Sam"
//   customerName({ customer_id: "u_42a9ad97f3", summary: { contact_email: "sam@x.org" } })       // "sam@x.org"
//   customerName({ customer_id: "u_42a9ad97f3" })                                                 // "Customer u_42a9ad…"

/**
 * @param {{customer_id?: string, contact?: import("../shared/protocol").Contact|null,
 *   summary?: Record<string, unknown>}} who a queue item or a conversation's info
 */
export function customerName(who) {
  const contact = who.contact;
  if (contact && contact.name && contact.name.trim()) return contact.name.trim();
  const email = contactEmail(who);
  if (email) return email;
  const id = who.customer_id || "";
  return id ? `Customer ${id.slice(0, 8)}…` : "Customer";
}

/**
 * The customer's email: the offline form's, else the triage's.
 * @param {{contact?: import("../shared/protocol").Contact|null, summary?: Record<string, unknown>}} who
 */
export function contactEmail(who) {
  if (who.contact && who.contact.email) return who.contact.email;
  const email = who.summary && who.summary.contact_email;
  return typeof email === "string" && email.includes("@") ? email.trim() : "";
}
