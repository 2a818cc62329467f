// The agent console, served at /console. See docs/console.md.
import { ConsoleApp } from "./app.js";

const root = document.getElementById("app");
const target = Number(root.dataset.waitTarget || 0);
const app = new ConsoleApp(root, { baseUrl: location.origin, defaultWaitTarget: target > 0 ? target : 120 });
app.start();
window.TandemConsole = app; // for debugging from the browser's devtools
