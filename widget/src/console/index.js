// The agent console, served at /console. See docs/console.md.
//   view.js / conversation-view.js   the screen (render only)
//   controller.js                    the logic (no DOM; tested with a fake transport)
//   desk.js                          the state (pure)
//   alerts.js                        desktop notifications and sound
//   transport.js                     login over HTTP, then namespace /agent
import { AdminController } from "./admin.js";
import { adminApi } from "./admin-api.js";
import { AdminView, downloadFile } from "./admin-view.js";
import { Alerts } from "./alerts.js";
import { ConsoleController } from "./controller.js";
import { MailController, mailApi } from "./mail.js";
import { MailView } from "./mail-view.js";
import { agentTransport, login } from "./transport.js";
import { ConsoleView } from "./view.js";
import { WorkbenchController } from "./workbench.js";
import { workbenchApi } from "./workbench-api.js";
import { WorkbenchView } from "./workbench-view.js";

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
/** @type {any} */ (window).TandemConsole = controller; // for debugging from the browser's devtools

// The writers' workbench (#workbench, docs/workbench.md): a page of its own next to the desk,
// which keeps running underneath; opened once logged in.
const bench = document.createElement("div");
bench.id = "workbench";
bench.hidden = true;
root.after(bench);
/** @type {WorkbenchController|null} */
let workbench = null;
// The admin page (#agents, docs/console.md): agents, privacy requests, the audit trail.
const adminRoot = document.createElement("div");
adminRoot.id = "agents";
adminRoot.hidden = true;
bench.after(adminRoot);
/** @type {AdminController|null} */
let admin = null;
// Developer mode's Mail page (#mail, docs/email.md): what the built-in mail sink received.
const mailPage = document.createElement("div");
mailPage.id = "mail";
mailPage.hidden = true;
adminRoot.after(mailPage);
/** @type {MailController|null} */
let mail = null;
function route() {
  const open = location.hash === "#workbench" && Boolean(controller.token());
  const administering = location.hash === "#agents" && Boolean(controller.token());
  const mailOpen = location.hash === "#mail" && Boolean(controller.token());
  root.hidden = open || administering || mailOpen;
  bench.hidden = !open;
  adminRoot.hidden = !administering;
  mailPage.hidden = !mailOpen;
  if (administering && !admin) {
    const adminView = new AdminView(adminRoot);
    admin = new AdminController({ api: adminApi(origin, () => controller.token()), view: adminView, download: downloadFile });
    adminView.bind(admin);
    admin.open();
  } else if (!administering && admin) {
    admin = null;
  }
  if (mailOpen && !mail) {
    const mailView = new MailView(mailPage);
    mail = new MailController({ api: mailApi(origin, () => controller.token()), view: mailView });
    mailView.bind(mail);
    mail.open();
  } else if (!mailOpen && mail) {
    mail.close();
    mail = null;
  }
  if (open && !workbench) {
    const benchView = new WorkbenchView(bench);
    workbench = new WorkbenchController({ api: workbenchApi(origin, () => controller.token()), view: benchView });
    benchView.bind(workbench);
    workbench.open();
  } else if (!open && workbench) {
    workbench.close();
    workbench = null;
  }
}
window.addEventListener("hashchange", route);
const showDesk = view.showDesk.bind(view);
view.showDesk = () => {
  showDesk();
  // The Mail link only where the developer mailbox answers: developer mode, and the server
  // answers admins only (403 for any other agent, docs/email.md).
  mailApi(origin, () => controller.token())
    .list()
    .then(() => view.showMailLink(true), () => view.showMailLink(false));
  route(); // logged in: a #workbench link can open now
};
// Started only now: a token kept from before a reload shows the desk at once, and that desk
// must be the one above, with its Mail link and routing (else a reload loses the Mail link).
controller.start();
route();
