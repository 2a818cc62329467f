// Where the customer's conversation stands, from `tandem_session` and `tandem_state`, and what
// the widget should show for it, in the customer's language (pure).

import { translator, waitText } from "./i18n.js";

const ENGLISH = translator("en");

/**
 * @typedef {{conversationId: string|null, state: string, reason?: string,
 *   queuePosition?: number, estimatedWait?: number, longerThanUsual?: boolean, agentName?: string,
 *   offlineReason?: string, businessHours?: string, csatRequested?: boolean,
 *   contactEmail?: string, emailOn?: boolean}} Status
 *   `contactEmail`: the email the triage collected, as the service sends it in `tandem_state`
 *   (`contact_email`, optional); kept for the rest of the conversation, to prefill the form.
 *   `emailOn`: the service emails customers (`tandem_session.email`): the form may promise an
 *   answer by email, and the transcript can be sent.
 */

/**
 * What the widget shows for a status (view() below).
 * @typedef {{panel: "none"|"queued"|"offline-form"|"offline-done"|"csat"|"csat-done"|"followup"|"followup-done",
 *   title: string, subtitle: string, detail: string, canRequestAgent: boolean,
 *   followup?: import("../shared/protocol").FollowUpQuestion}} Shown
 *   `followup`: the question and its buttons' words ("followup"); `detail` holds the thanks
 *   ("followup-done"). Both come from the service, in the conversation's language.
 */

/** @returns {Status} */
export function initialStatus() {
  return { conversationId: null, state: "bot" };
}

/**
 * `tandem_session`: a (possibly new) conversation and its state.
 * @param {Status} status
 * @param {import("../shared/protocol").SessionInfo|null|undefined} info
 * @returns {Status}
 */
export function applySession(status, info) {
  if (!info) return status;
  if (info.conversation_id !== status.conversationId) {
    return { conversationId: info.conversation_id || null, state: info.state || "bot" };
  }
  return { ...status, state: info.state || status.state };
}

/**
 * `tandem_state`: replaces what depends on the state, keeps the rest.
 * @param {Status} status
 * @param {import("../shared/protocol").StateChange|null|undefined} change
 * @returns {Status}
 */
export function applyStateChange(status, change) {
  if (!change || !change.state) return status;
  if (status.conversationId && change.conversation_id && change.conversation_id !== status.conversationId) {
    // A state for another conversation (an older one) is stale; ignore it.
    return status;
  }
  /** @type {Status} */
  const next = { conversationId: change.conversation_id || status.conversationId, state: change.state };
  if (change.reason || status.reason) next.reason = change.reason || status.reason;
  const email = contactEmailField(change.contact_email) || status.contactEmail;
  if (email) next.contactEmail = email;
  if (change.state === "queued") {
    next.queuePosition = change.queue_position ?? status.queuePosition;
    next.estimatedWait = change.estimated_wait_s ?? status.estimatedWait;
    // Told with every place: absent means the line moves as usual again.
    if (change.longer_than_usual) next.longerThanUsual = true;
  } else if (change.state === "agent") {
    next.agentName = change.agent_name || status.agentName;
  } else if (change.state === "offline") {
    next.offlineReason = change.offline_reason || status.offlineReason;
    if (change.business_hours) next.businessHours = change.business_hours;
  } else if (change.state === "closed") {
    next.csatRequested = Boolean(change.csat_requested);
    next.agentName = status.agentName;
  }
  return next;
}

/**
 * A plausible email address from the protocol's optional `contact_email`, or null.
 * @param {unknown} value
 */
export function contactEmailField(value) {
  if (typeof value !== "string") return null;
  const email = value.trim();
  return email.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(email) ? email : null;
}

/**
 * What the offline form's email field holds: what the customer typed there is theirs (even
 * emptied); an untouched field gets the email the triage collected, when there is one.
 * @param {{value: string, edited: boolean}|null} field the field on screen (null: no form yet)
 * @param {string|undefined} contactEmail Status.contactEmail
 */
export function formEmail(field, contactEmail) {
  if (field && (field.edited || !contactEmail)) return field.value;
  return contactEmail || "";
}

/**
 * True if the customer already left a message in the current offline stretch.
 * @param {import("../shared/transcript.js").Entry[]} entries
 */
export function offlineMessageLeft(entries) {
  for (let i = entries.length - 1; i >= 0; i -= 1) {
    const e = entries[i];
    if (e.author === "system" && e.event === "offline_message") return true;
    if (e.author === "system" && (e.event === "offline" || e.event === "queued")) return false;
  }
  return false;
}

/**
 * What the widget shows about the conversation's state: the header's subtitle, and the panel
 * above the composer (with its own text, `detail`).
 * @param {Status} status
 * @param {{messageLeft: boolean, rated: boolean, offlineFormOpen: boolean, askedAgain?: boolean,
 *   followup?: import("../shared/protocol").FollowUpQuestion|null, followupThanks?: string,
 *   emailOn?: boolean}} flags
 *   `askedAgain`: after the message was left, the customer asked for a person again and still
 *   nobody could come (the `tandem_request_agent` ack said `offline`); `followup`: the service
 *   asks "Was your problem solved?" about this (closed) conversation; `followupThanks`: what it
 *   answered to a "yes"; `emailOn: false`: the service sends no email (`tandem_session.email`),
 *   so the form does not promise an answer by email
 * @param {import("./i18n.js").Translate} [t] the customer's language (default English)
 * @returns {Shown}
 */
export function view(status, flags, t = ENGLISH) {
  const s = status.state;
  if (s === "queued") {
    const pos = status.queuePosition;
    const wait = waitText(t, status.estimatedWait, status.longerThanUsual);
    return {
      panel: flags.offlineFormOpen ? "offline-form" : "queued",
      title: "",
      subtitle: t("status.waiting"),
      detail: flags.offlineFormOpen
        ? t("status.ratherNotWait")
        : pos
          ? t("status.position", { position: pos, wait })
          : t("status.inLine", { wait }),
      canRequestAgent: false,
    };
  }
  if (s === "agent") {
    return {
      panel: "none",
      title: status.agentName || t("entry.support"),
      subtitle: t("status.withPerson"),
      detail: "",
      canRequestAgent: false,
    };
  }
  if (s === "offline") {
    if (flags.messageLeft) {
      // The message is with the team, and a person can still be asked for: someone may have
      // come online since (the confirmation stays).
      return {
        panel: "offline-done",
        title: "",
        subtitle: t("status.messageReceived"),
        detail: flags.askedAgain ? t("offline.stillNobody") : "",
        canRequestAgent: true,
      };
    }
    // Why nobody comes (the header's subtitle), then what to do; a reason this widget does not
    // know yet reads as "nobody is available", which is true of every offline reason.
    /** @type {Record<string, [import("./i18n.js").MessageKey, import("./i18n.js").MessageKey]>} */
    const reasons = {
      closed_hours: ["offline.closedHours", "offline.leaveEmail"],
      no_agents: ["offline.noAgents", "offline.leaveEmail"],
      no_speaker: ["offline.noSpeaker", "offline.noSpeakerLeave"],
      wait_limit: ["offline.waitLimit", "offline.leaveEmail"],
      customer: ["offline.customer", "offline.leaveEmail"],
    };
    const [whyKey, emailLeave] = reasons[status.offlineReason || ""] || reasons.no_agents;
    // Without email, the sentence that does not say how the answer comes.
    const leaveKey = flags.emailOn === false ? "offline.noSpeakerLeave" : emailLeave;
    const why = t(whyKey);
    const hours = status.businessHours ? ` ${t("offline.hours", { hours: status.businessHours })}` : "";
    return {
      panel: "offline-form",
      title: "",
      subtitle: why,
      detail: `${why}${hours} ${t(leaveKey)}`,
      canRequestAgent: false,
    };
  }
  // The rating is asked at the close, the follow-up later: when the follow-up comes before the
  // customer rated (TANDEM_FOLLOWUP_HOURS=0, or they never rated), the rating still comes first
  // and the follow-up after it, so the two questions are asked in the order they were meant.
  const rating = s === "closed" && status.csatRequested && !flags.rated;
  if (s === "closed" && !rating && flags.followup && flags.followup.conversation_id === status.conversationId) {
    return { panel: "followup", title: "", subtitle: t("status.writeAgain"), detail: "", canRequestAgent: true, followup: flags.followup };
  }
  if (s === "closed" && flags.followupThanks) {
    return { panel: "followup-done", title: "", subtitle: t("status.writeAgain"), detail: flags.followupThanks, canRequestAgent: true };
  }
  if (s === "closed") {
    return {
      panel: rating ? "csat" : flags.rated ? "csat-done" : "none",
      title: "",
      subtitle: rating ? t("status.closed") : t("status.writeAgain"),
      detail: "",
      canRequestAgent: true,
    };
  }
  return { panel: "none", title: "", subtitle: t("status.bot"), detail: "", canRequestAgent: true };
}
