// Small formatting helpers shared by the widget and the console (pure).

/**
 * How to say a wait: under a minute, about N minutes (rounded), or about N hours. The words
 * are each front end's (describeWait below in English; the widget's catalog, shared/i18n.js).
 * @param {number|null|undefined} seconds
 * @returns {{unit: "underMinute"|"minutes"|"hours", count: number}}
 */
export function waitParts(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 60) {
    return { unit: "underMinute", count: 0 };
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return { unit: "minutes", count: minutes };
  return { unit: "hours", count: Math.round(minutes / 60) };
}

/**
 * "under a minute", "about 1 minute", "about 4 minutes", "about 1 hour".
 * @param {number|null|undefined} seconds
 */
export function describeWait(seconds) {
  const { unit, count } = waitParts(seconds);
  if (unit === "underMinute") return "under a minute";
  const word = unit === "minutes" ? "minute" : "hour";
  return `about ${count} ${word}${count === 1 ? "" : "s"}`;
}

/**
 * "45s", "3m 05s", "1h 02m": a compact running duration.
 * @param {number} seconds
 */
export function shortDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, "0")}m`;
}

/**
 * "14:05" in the viewer's time zone, for a Unix time in seconds.
 * @param {number|null|undefined} ts
 */
export function clock(ts) {
  if (!ts) return "";
  const d = new Date(ts * 1000);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/**
 * "0.97" for a confidence, "–" when unknown.
 * @param {number|null|undefined} value
 */
export function confidence(value) {
  return typeof value === "number" && Number.isFinite(value) ? value.toFixed(2) : "–";
}

/**
 * A handoff reason in words, for badges.
 * @param {string|null|undefined} reason
 */
export function humanReason(reason) {
  /** @type {Record<string, string>} */
  const names = {
    requested: "asked for a person",
    frustration: "frustrated",
    low_confidence: "bot unsure",
    triage: "triaged",
    language: "language",
    loop: "going in circles",
    bot_unavailable: "bot unavailable",
    other: "other",
  };
  return (reason && names[reason]) || reason || "—";
}

/**
 * The message box's counter: "" while far from the limit, "3,650 / 4,000" from 90 % of it, and
 * `over` past it (the box then refuses to send, rather than the browser cutting the text).
 * @param {number} length
 * @param {number} max
 * @param {string} [locale]
 * @returns {{text: string, over: boolean}}
 */
export function lengthCounter(length, max, locale = "en") {
  const over = length > max;
  if (length < max * 0.9) return { text: "", over };
  const n = (/** @type {number} */ v) => v.toLocaleString(locale);
  return { text: `${n(length)} / ${n(max)}`, over };
}
