// Opens an HTML report of verity in headless Chromium, driven over the
// DevTools protocol on a pipe (--remote-debugging-pipe: no port, no
// network), and prints, for each of N loads, the time to first contentful
// paint, to the load event, to search for "patch", and to hide the
// passing cases (a click on their filter), each up to the next layout.
//
//   node scripts/html-paint.mjs /usr/bin/chromium report.html [N]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [browser, file, runs = "3"] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "verity-paint-"));
const child = spawn(browser, [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  `--user-data-dir=${profile}`, "--window-size=1280,2000", "--remote-debugging-pipe", "about:blank",
], { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] });
const [toBrowser, fromBrowser] = [child.stdio[3], child.stdio[4]];

let next = 0;
const pending = new Map();
const waiting = [];
let buffer = "";
fromBrowser.on("data", (chunk) => {
  buffer += chunk;
  for (let end; (end = buffer.indexOf("\0")) >= 0;) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    if (message.id !== undefined && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    } else if (message.method) {
      for (const w of waiting.filter((w) => w.method === message.method && w.session === message.sessionId)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(message);
      }
    }
  }
});
const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
  const id = ++next;
  pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
  toBrowser.write(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }) + "\0");
});
const event = (method, session) => new Promise((resolve) => waiting.push({ method, session, resolve }));
const evaluate = async (expression, session) =>
  (await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }, session)).result.value;

const url = pathToFileURL(resolve(file)).href;
const rows = [];
for (let i = 0; i < Number(runs); i++) {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  await send("Page.enable", {}, sessionId);
  const loaded = event("Page.loadEventFired", sessionId);
  await send("Page.navigate", { url }, sessionId);
  await loaded;
  rows.push(await evaluate(`new Promise((done) => {
    const started = performance.now();
    (function poll() {
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      if (!fcp && performance.now() - started < 5000) { requestAnimationFrame(poll); return; }
      const nav = performance.getEntriesByType("navigation")[0];
      const q = document.getElementById("q");
      const t0 = performance.now();
      q.value = "patch";
      q.dispatchEvent(new Event("input"));
      void document.body.offsetHeight;
      const search = performance.now() - t0;
      const found = document.getElementById("shown").textContent;
      q.value = "";
      q.dispatchEvent(new Event("input"));
      const t1 = performance.now();
      document.querySelector('button.filter[data-kind="passed"]').click();
      void document.body.offsetHeight;
      const filter = performance.now() - t1;
      done({ fcp: fcp ? fcp.startTime : null, load: nav.loadEventEnd, filter, search,
             items: document.querySelectorAll(".item").length,
             shown: found });
    })();
  })`, sessionId));
  await send("Target.closeTarget", { targetId });
}
const exited = new Promise((done) => child.on("exit", done));
child.kill();
await exited;
rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
const median = (key) => rows.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
for (const r of rows) {
  console.log(`first contentful paint ${r.fcp?.toFixed(0)} ms, load ${r.load.toFixed(0)} ms, filter ${r.filter.toFixed(0)} ms, search ${r.search.toFixed(0)} ms (${r.items} entries; the search for "patch": ${r.shown})`);
}
console.log(`median of ${rows.length}: first contentful paint ${median("fcp").toFixed(0)} ms, load ${median("load").toFixed(0)} ms, filter ${median("filter").toFixed(0)} ms, search ${median("search").toFixed(0)} ms`);
process.exit(0);
