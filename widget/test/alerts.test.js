import assert from "node:assert/strict";
import { test } from "node:test";

import { Alerts, alertFor } from "../src/console/alerts.js";
import { customerName } from "../src/console/names.js";
import { memoryStorage } from "./golden.js";

/** The browser's Notification, recording what the page raised. */
function notificationApi(permission = "default", answer = "granted") {
  const shown = [];
  class FakeNotification {
    static permission = permission;
    static async requestPermission() {
      FakeNotification.permission = answer;
      return answer;
    }
    constructor(title, options) {
      shown.push({ title, ...options });
      this.closed = false;
    }
    close() {
      this.closed = true;
    }
  }
  return { FakeNotification, shown };
}

/** The Web Audio API as far as a chime uses it, counting the tones. */
function audioApi() {
  const tones = [];
  class FakeAudioContext {
    state = "running";
    currentTime = 0;
    destination = {};
    createOscillator() {
      const osc = { frequency: {}, connect() {}, start: (at) => tones.push({ at, frequency: osc.frequency.value }), stop() {} };
      return osc;
    }
    createGain() {
      return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect() {} };
    }
  }
  return { FakeAudioContext, tones };
}

test("the customer is named by the name or email collected, else a short id", () => {
  assert.equal(customerName({ customer_id: "u_42a9ad97f3", contact: { name: "Sam", email: "sam@x.org" } }), "Sam");
  assert.equal(customerName({ customer_id: "u_42a9ad97f3", contact: { name: "", email: "sam@x.org" } }), "sam@x.org");
  assert.equal(customerName({ customer_id: "u_42a9ad97f3", contact: null, summary: { contact_email: "t@x.org" } }), "t@x.org");
  assert.equal(customerName({ customer_id: "u_42a9ad97f3", summary: {} }), "Customer u_42a9ad…");
});

test("alerts are off until switched on; the permission is asked then, and remembered", async () => {
  const { FakeNotification, shown } = notificationApi();
  const { FakeAudioContext, tones } = audioApi();
  const storage = memoryStorage();
  const alerts = new Alerts({ storage, notification: FakeNotification, audioContext: FakeAudioContext, hasFocus: () => false });
  const alert = alertFor("queued", { item: { conversation_id: "c_1", customer_id: "u_1", contact: null, summary: {}, preview: "hello" } });
  alerts.raise(alert);
  assert.deepEqual([shown.length, tones.length], [0, 0]);
  assert.equal(await alerts.setDesktop(true), true);
  assert.equal(alerts.setSound(true), true);
  assert.equal(tones.length, 2); // switching the sound on plays it once
  let clicked = 0;
  alerts.raise(alert, () => (clicked += 1));
  assert.equal(shown.length, 1);
  assert.equal(shown[0].title, "Customer u_1… is waiting");
  assert.equal(shown[0].body, "hello");
  assert.equal(shown[0].requireInteraction, false);
  assert.equal(tones.length, 4);
  // Remembered in this browser.
  const again = new Alerts({ storage, notification: FakeNotification, audioContext: FakeAudioContext });
  assert.deepEqual(again.prefs, { desktop: true, sound: true });
  // An urgent one insists: it stays until dismissed, and chimes three times.
  alerts.raise(alertFor("waiting", { item: { conversation_id: "c_1", customer_id: "u_1", contact: null, summary: {}, preview: "" }, waitedS: 300, offlineInS: 60 }));
  assert.equal(shown[1].requireInteraction, true);
  assert.equal(tones.length, 10);
});

test("a refused permission leaves desktop alerts off; a message on screen is quiet while looking", async () => {
  const { FakeNotification, shown } = notificationApi("default", "denied");
  const alerts = new Alerts({ storage: memoryStorage(), notification: FakeNotification, audioContext: undefined, hasFocus: () => true });
  assert.equal(await alerts.setDesktop(true), false);
  const granted = notificationApi("granted");
  const looking = new Alerts({ storage: memoryStorage(), notification: granted.FakeNotification, hasFocus: () => true });
  await looking.setDesktop(true);
  looking.raise({ ...alertFor("message", { info: null, text: "hi" }), onlyIfAway: true });
  assert.equal(granted.shown.length, 0);
  looking.raise(alertFor("message", { info: null, text: "hi" }));
  assert.equal(granted.shown.length, 1);
  assert.equal(shown.length, 0);
});
