// The administration HTTP API (docs/console.md, "Administration"): agents, privacy requests,
// the audit trail; the service checks the admin role on every call.

import { jsonCaller } from "./workbench-api.js";

/**
 * @param {string} baseUrl
 * @param {() => string} token the agent's current token
 * @param {typeof fetch} [fetchFn]
 */
export function adminApi(baseUrl, token, fetchFn = (...args) => fetch(...args)) {
  const call = jsonCaller(baseUrl, "/api/admin", token, fetchFn);
  const agent = (/** @type {string} */ username) => `/agents/${encodeURIComponent(username)}`;
  const customer = (/** @type {string} */ id) => `/privacy/customers/${encodeURIComponent(id)}`;
  return {
    agents: () => call("GET", "/agents"),
    /** @param {Record<string, any>} body */
    create: (body) => call("POST", "/agents", body),
    /** @param {string} username @param {Record<string, any>} body */
    update: (username, body) => call("PATCH", agent(username), body),
    /** @param {string} username */
    disable: (username) => call("POST", `${agent(username)}/disable`),
    /** @param {string} username */
    enable: (username) => call("POST", `${agent(username)}/enable`),
    /** @param {string} username */
    remove: (username) => call("DELETE", agent(username)),
    /** @param {string} username @param {string} password "" for a generated one */
    resetPassword: (username, password) => call("POST", `${agent(username)}/password`, password ? { password } : {}),
    /** @param {{customer?: string, conversation?: string, email?: string}} query */
    search: (query) => call("POST", "/privacy/search", query),
    /** @param {string} customerId */
    exportCustomer: (customerId) => call("GET", `${customer(customerId)}/export`),
    /** @param {string} customerId @param {string} confirm the customer id, typed */
    erase: (customerId, confirm) => call("POST", `${customer(customerId)}/erase`, { confirm }),
    audit: () => call("GET", "/audit"),
  };
}

/** @typedef {ReturnType<typeof adminApi>} AdminApi */
