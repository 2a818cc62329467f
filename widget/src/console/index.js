// The agent console, served at /console. See docs/console.md.
//   view.js / conversation-view.js   the screen (render only)
//   controller.js                    the logic (no DOM; tested with a fake transport)
//   desk.js                          the state (pure)
//   alerts.js                        desktop notifications and sound
//   transport.js                     login over HTTP, then namespace /agent
import { Alerts } from "./alerts.js";
import { ConsoleController } from "./controller.js";
import { agentTransport, login } from "./transport.js";
import { ConsoleView } from "./view.js";

/** @param {string} kind */
function storage(kind) {
  try {
    return kind === "session" ? window.sessionStorage : window.localStorage;
  } catch {
    return null; // blocked: the console works, but forgets on reload
  }
}

const root = /** @type {HTMLElement} */ (document.getElementById("app"));
const target = Number(root.dataset.waitTarget || 0);
const origin = location.origin;
const view = new ConsoleView(root);
const controller = new ConsoleController({
  view,
  login: (username, password) => login(origin, username, password),
  connect: ({ token, handlers }) => agentTransport({ url: origin, token, handlers }),
  tokenStorage: storage("session"),
  prefsStorage: storage("local"),
  defaultWaitTarget: target > 0 ? target : 120,
  alerts: new Alerts({ storage: storage("local") }),
});
view.bind(controller);
controller.start();
/** @type {any} */ (window).TandemConsole = controller; // for debugging from the browser's devtools
