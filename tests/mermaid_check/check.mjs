// Parse each .mmd file named on the command line with Mermaid's own parser (under
// jsdom, which Mermaid needs for its sanitiser); print one JSON line per file:
// {"file": ..., "ok": true} or {"file": ..., "ok": false, "error": "..."}.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>");
for (const name of ["window", "document", "Element", "HTMLElement", "Node", "SVGElement",
                    "DocumentFragment", "MutationObserver", "getComputedStyle"]) {
  if (!(name in globalThis)) globalThis[name] = name === "window" ? dom.window : dom.window[name];
}

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  try {
    await mermaid.parse(text);
    console.log(JSON.stringify({ file, ok: true }));
  } catch (err) {
    failed += 1;
    console.log(JSON.stringify({ file, ok: false, error: String(err && err.message || err) }));
  }
}
process.exit(failed ? 1 : 0);
