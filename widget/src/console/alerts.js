// Agents who notice: a desktop notification (the Web Notifications API) and an optional short
// sound (generated with the Web Audio API: nothing to download) when someone joins the queue, a
// customer writes in one of my conversations, a colleague transfers one to me, or a customer
// waited so long they are about to be offered the offline form (`queue_alert`: insistent).
// Both are switched on in the console's header (the permission is asked on that click, as
// browsers require) and remembered in this browser.
//
//   const alerts = new Alerts({ storage: localStorage });
//   await alerts.setDesktop(true);   // asks for the permission; false if refused
//   alerts.raise(alertFor("queued", { item }), () => controller.select(item.conversation_id));

import { h } from "../shared/dom.js";
import { customerName } from "./names.js";

const PREFS_KEY = "tandem-console:alerts";

/**
 * @typedef {{title: string, body: string, tag: string, urgent: boolean, onlyIfAway?: boolean}} Alert
 * `tag`: one notification per conversation and kind (a newer one replaces it). `onlyIfAway`:
 * nothing while the console has the focus (a message in the conversation on screen).
 * @typedef {{desktop: boolean, sound: boolean}} AlertPrefs
 */

/**
 * What to say for an event worth an agent's attention.
 * @param {"queued"|"message"|"transfer"|"waiting"} kind
 * @param {{item?: import("../shared/protocol").QueueItem, info?: import("../shared/protocol").ConversationInfo|null,
 *   text?: string, from?: string, waitedS?: number, offlineInS?: number}} data
 * @returns {Alert}
 */
export function alertFor(kind, data) {
  const who = data.item ? customerName(data.item) : data.info ? customerName(data.info) : "A customer";
  const id = data.item ? data.item.conversation_id : data.info ? data.info.conversation_id : "";
  const preview = (text = "") => (text.length > 120 ? `${text.slice(0, 119)}…` : text);
  if (kind === "queued") {
    return { title: `${who} is waiting`, body: preview(data.item && data.item.preview), tag: `queued:${id}`, urgent: false };
  }
  if (kind === "message") return { title: `${who} wrote`, body: preview(data.text), tag: `message:${id}`, urgent: false };
  if (kind === "transfer") {
    return { title: `${data.from || "A colleague"} transferred ${who} to you`, body: "", tag: `transfer:${id}`, urgent: false };
  }
  const minutes = Math.max(1, Math.round((data.waitedS || 0) / 60));
  return {
    title: `${who} has waited ${minutes} min`,
    body: `Claim it, or they are offered the offline form in ${Math.round(data.offlineInS || 0)} s.`,
    tag: `waiting:${id}`,
    urgent: true,
  };
}

/**
 * The switches and the browser's means; `Notification` and `AudioContext` are passed in by the
 * tests (a page without them simply raises nothing).
 */
export class Alerts {
  /**
   * @param {{storage?: import("./controller.js").StorageLike|null, notification?: any, audioContext?: any,
   *   focus?: () => void, hasFocus?: () => boolean}} [options]
   */
  constructor({ storage = null, notification = globalThis.Notification, audioContext = globalThis.AudioContext, focus, hasFocus } = {}) {
    this.hasFocus = hasFocus || (() => typeof document !== "undefined" && document.visibilityState === "visible" && document.hasFocus());
    this.storage = storage;
    this.Notification = notification;
    this.AudioContext = audioContext;
    this.focus = focus || (() => globalThis.focus && globalThis.focus());
    /** @type {any} */
    this.audio = null;
    /** @type {AlertPrefs} */
    this.prefs = { desktop: false, sound: false };
    try {
      const saved = JSON.parse((storage && storage.getItem(PREFS_KEY)) || "null");
      if (saved) this.prefs = { desktop: Boolean(saved.desktop), sound: Boolean(saved.sound) };
    } catch {
      // unreadable: both off
    }
  }

  /** Can this browser show desktop notifications at all? */
  get desktopSupported() {
    return typeof this.Notification === "function";
  }

  /** Desktop notifications on and allowed by the browser. */
  get desktopOn() {
    return this.prefs.desktop && this.desktopSupported && this.Notification.permission === "granted";
  }

  /**
   * Switch desktop notifications; turning them on asks the browser's permission (call it from a
   * click). Resolves to whether they are on.
   * @param {boolean} on
   */
  async setDesktop(on) {
    if (on && this.desktopSupported && this.Notification.permission !== "granted") {
      try {
        await this.Notification.requestPermission();
      } catch {
        // an old callback-only API, or refused: permission tells
      }
    }
    this.prefs = { ...this.prefs, desktop: on && this.desktopSupported && this.Notification.permission === "granted" };
    this.#save();
    return this.prefs.desktop;
  }

  /**
   * Switch the sound; turning it on plays it once (the click also lets the page play sound).
   * @param {boolean} on
   */
  setSound(on) {
    this.prefs = { ...this.prefs, sound: on };
    this.#save();
    if (on) this.beep(1);
    return on;
  }

  /**
   * Tell the agent: a desktop notification (clicking it brings the console forward and runs
   * `onClick`) and the sound, as switched on.
   * @param {Alert} alert
   * @param {() => void} [onClick]
   */
  raise(alert, onClick) {
    if (alert.onlyIfAway && this.hasFocus()) return;
    if (this.desktopOn) {
      try {
        const note = new this.Notification(alert.title, { body: alert.body, tag: alert.tag, requireInteraction: alert.urgent });
        note.onclick = () => {
          this.focus();
          if (onClick) onClick();
          note.close();
        };
      } catch {
        // some browsers only notify from a service worker: the sound and the title remain
      }
    }
    if (this.prefs.sound) this.beep(alert.urgent ? 3 : 1);
  }

  /**
   * A short two-tone chime, `times` times (an urgent alert: three).
   * @param {number} times
   */
  beep(times) {
    if (typeof this.AudioContext !== "function") return;
    try {
      this.audio = this.audio || new this.AudioContext();
      const ctx = this.audio;
      if (ctx.state === "suspended" && ctx.resume) ctx.resume();
      for (let i = 0; i < times; i += 1) {
        [880, 660].forEach((frequency, j) => {
          const start = ctx.currentTime + i * 0.45 + j * 0.14;
          const osc = ctx.createOscillator();
          const gain = ctx.createGain();
          osc.type = "sine";
          osc.frequency.value = frequency;
          gain.gain.setValueAtTime(0.0001, start);
          gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
          gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.13);
          osc.connect(gain);
          gain.connect(ctx.destination);
          osc.start(start);
          osc.stop(start + 0.14);
        });
      }
    } catch {
      // no audio device: the notification remains
    }
  }

  #save() {
    try {
      if (this.storage) this.storage.setItem(PREFS_KEY, JSON.stringify(this.prefs));
    } catch {
      // storage full or blocked: remembered for this page only
    }
  }
}

/**
 * The header's two switches, "Desktop alerts" and "Sound" (the permission is asked on the click).
 * @param {Alerts} alerts
 * @param {(text: string) => void} announce
 */
export function alertSwitches(alerts, announce) {
  const desktop = h("input", { type: "checkbox", id: "alerts-desktop", checked: alerts.prefs.desktop && alerts.desktopOn });
  desktop.disabled = !alerts.desktopSupported;
  desktop.addEventListener("change", async () => {
    const wanted = desktop.checked;
    const on = await alerts.setDesktop(wanted);
    desktop.checked = on;
    if (wanted && !on) announce("This browser blocks notifications from the console: allow them in the site's settings.");
  });
  const sound = h("input", { type: "checkbox", id: "alerts-sound", checked: alerts.prefs.sound });
  sound.addEventListener("change", () => alerts.setSound(sound.checked));
  return h(
    "span",
    { class: "alert-switches" },
    desktop,
    h("label", { for: "alerts-desktop" }, "Desktop alerts"),
    sound,
    h("label", { for: "alerts-sound" }, "Sound"),
  );
}
