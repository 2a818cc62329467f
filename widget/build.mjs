// Builds the widget and the agent console into dist/ (served by the handoff service):
//   dist/index.html                 the demo shop page (the widget embedded by one script tag)
//   dist/console.html               the agent console
//   dist/static/tandem-widget.js    the widget: one file, its CSS inside
//   dist/static/tandem-console.js   the console
//   dist/static/*.css               the pages' own styles
// Usage: node build.mjs [--watch]
import { build, context } from "esbuild";
import { copyFile, mkdir, readdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const watch = process.argv.includes("--watch");

const common = {
  bundle: true,
  minify: !watch,
  format: "iife",
  target: ["es2022"],
  loader: { ".css": "text" },
  legalComments: "eof", // keep third-party licence notices
  logLevel: "warning",
};

const bundles = [
  { entryPoints: [join(here, "src/widget/index.js")], outfile: join(dist, "static/tandem-widget.js") },
  { entryPoints: [join(here, "src/console/index.js")], outfile: join(dist, "static/tandem-console.js") },
  {
    entryPoints: [join(here, "src/console/console.css")],
    outfile: join(dist, "static/tandem-console.css"),
    loader: { ".css": "css" },
    format: undefined,
  },
];

async function copyPages() {
  const pages = join(here, "pages");
  for (const name of await readdir(pages)) {
    const target = name.endsWith(".html") ? join(dist, name) : join(dist, "static", name);
    await copyFile(join(pages, name), target);
  }
}

async function report() {
  for (const rel of ["index.html", "console.html", "static/tandem-widget.js", "static/tandem-console.js", "static/tandem-console.css"]) {
    const { size } = await stat(join(dist, rel));
    console.log(`    dist/${rel.padEnd(28)} ${(size / 1024).toFixed(1).padStart(6)} KiB`);
  }
}

const started = Date.now();
if (!watch) await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, "static"), { recursive: true });
if (watch) {
  for (const options of bundles) await (await context({ ...common, ...options })).watch();
  await copyPages();
  console.log("    watching src/ (pages/ are copied at start; Ctrl-C to stop)");
} else {
  await Promise.all(bundles.map((options) => build({ ...common, ...options })));
  await copyPages();
  await report();
  console.log(`    built in ${Date.now() - started} ms`);
}
