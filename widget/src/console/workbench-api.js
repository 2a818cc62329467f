// The workbench's HTTP API (docs/workbench.md): every call with the agent's token; errors come
// back as {code, message} from the service's error bodies.

/** @typedef {{code: string, message: string}} ApiError */

/**
 * A JSON caller for one of the service's HTTP APIs (``/api/workbench``, ``/api/dev/mail``):
 * every call with the agent's token; errors thrown as {code, message}.
 * @param {string} baseUrl
 * @param {string} prefix e.g. "/api/workbench"
 * @param {() => string} token the agent's current token
 * @param {typeof fetch} fetchFn
 */
export function httpCaller(baseUrl, prefix, token, fetchFn) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {Record<string, any>} [body]
   * @returns {Promise<any>}
   */
  return async function call(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { Authorization: `Bearer ${token()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetchFn(`${baseUrl}${prefix}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
      });
    } catch {
      throw { code: "offline", message: "Cannot reach the server." };
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      // not JSON
    }
    if (response.ok) return answer;
    const error = (answer && answer.error) || {};
    throw { code: error.code || "internal", message: error.message || `HTTP ${response.status}` };
  };
}

/**
 * @param {string} baseUrl
 * @param {() => string} token the agent's current token
 * @param {typeof fetch} [fetchFn]
 */
export function workbenchApi(baseUrl, token, fetchFn = (...args) => fetch(...args)) {
  const call = httpCaller(baseUrl, "/api/workbench", token, fetchFn);
  /** @param {Record<string, string>} query */
  const qs = (query) => {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
    return params.toString() ? `?${params}` : "";
  };
  return {
    /** @param {Record<string, string>} filters */
    inbox: (filters) => call("GET", `/inbox${qs(filters)}`),
    /** @param {string} id @param {Record<string, any>} body */
    label: (id, body) => call("POST", `/inbox/${encodeURIComponent(id)}/label`, body),
    intents: () => call("GET", "/intents"),
    changes: () => call("GET", "/changes"),
    /** @param {Record<string, any>} body */
    save: (body) => call("POST", "/changes", body),
    /** @param {string[]} probes */
    startJob: (probes) => call("POST", "/jobs", { probes }),
    job: () => call("GET", "/jobs/current"),
    /** @param {string} conversationId */
    draftTest: (conversationId) => call("GET", `/conversations/${encodeURIComponent(conversationId)}/test`),
    /** @param {string} conversationId @param {Record<string, any>} body */
    saveTest: (conversationId, body) => call("POST", `/conversations/${encodeURIComponent(conversationId)}/test`, body),
  };
}

/** @typedef {ReturnType<typeof workbenchApi>} WorkbenchApi */
